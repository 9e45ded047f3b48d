/** `tcp:80,udp:81` lists, as `calico-lab pod create --serve` takes them. */
export interface ServePort {
  protocol: 'tcp' | 'udp';
  port: number;
}

export function parseServeList(text: string): ServePort[] {
  if (text.trim() === '') return [];
  return text.split(',').map((item) => {
    const m = /^(tcp|udp):(\d{1,5})$/i.exec(item.trim());
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) throw new RangeError(`Cannot parse serve port "${item}": expected tcp:<port> or udp:<port>`);
    return { protocol: m[1]!.toLowerCase() as 'tcp' | 'udp', port };
  });
}
