// A small XML reader for the manifest test (elements, attributes, text; no DTDs), so the test needs
// no parser package of its own.
export interface XmlNode { name: string; attrs: Record<string, string>; children: XmlNode[]; text: string }

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&apos;': "'" };
const decode = (s: string) => s.replace(/&(lt|gt|amp|quot|apos);/g, (m) => ENTITIES[m]);

export function parseXml(text: string): XmlNode {
  const root: XmlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  const re = /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<\/([\w:.-]+)\s*>|<([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(text))) {
    if (m.index !== pos) throw new Error(`XML: unexpected text at ${pos}: ${text.slice(pos, pos + 30)}`);
    pos = re.lastIndex;
    const top = stack[stack.length - 1];
    if (m[1]) {
      if (top.name !== m[1]) throw new Error(`XML: </${m[1]}> closes <${top.name}>`);
      stack.pop();
    } else if (m[2]) {
      const attrs: Record<string, string> = {};
      for (const a of m[3].matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        if (a[1] in attrs) throw new Error(`XML: duplicate attribute ${a[1]}`);
        attrs[a[1]] = decode(a[2] ?? a[3]);
      }
      const node: XmlNode = { name: m[2], attrs, children: [], text: '' };
      top.children.push(node);
      if (!m[4]) stack.push(node);
    } else if (m[5]) {
      if (m[5].includes('>')) throw new Error('XML: stray >');
      top.text += decode(m[5]);
    }
  }
  if (pos !== text.length) throw new Error(`XML: unreadable at ${pos}`);
  if (stack.length !== 1) throw new Error(`XML: <${stack[stack.length - 1].name}> is not closed`);
  return root;
}

/** Every element below node (depth first). */
export function descendants(node: XmlNode): XmlNode[] {
  return node.children.flatMap((c) => [c, ...descendants(c)]);
}

export function child(node: XmlNode, name: string): XmlNode {
  const c = node.children.find((x) => x.name === name);
  if (!c) throw new Error(`<${node.name}> has no <${name}>`);
  return c;
}
