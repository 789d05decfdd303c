// Loaded with --require into the Azurite the local host starts: its stdin is a pipe from the host,
// which closes however the host ends (SIGKILL included), and then this ends Azurite too. No orphan
// emulator keeps the ports and the data folder after its host is gone.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
export {};
