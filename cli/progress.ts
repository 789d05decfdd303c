// A progress bar on stderr, shown only when stderr is a terminal (never in files or pipes).
export function progressBar(stream: NodeJS.WritableStream, label: string) {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  let shown = false;
  return {
    update: (done: number, total: number) => {
      if (!tty || total === 0) return;
      const width = 30;
      const filled = Math.round((done / total) * width);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
      shown = true;
    },
    done: () => {
      if (shown) stream.write('\n');
    },
  };
}
