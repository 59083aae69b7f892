/** Reads Prometheus' text exposition format, as a scraper would. */
export interface Scrape {
  /** `name{label="value",…}` → value, labels in the order the app wrote them. */
  series: Map<string, number>;
  /** Metric family names from `# TYPE` lines, with a histogram's `_bucket`, `_sum` and `_count`. */
  names: Set<string>;
}

export async function scrape(url: string, token?: string): Promise<Scrape> {
  const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return parseExposition(await response.text());
}

export function parseExposition(text: string): Scrape {
  const series = new Map<string, number>();
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      const [, name, kind] = type as unknown as [string, string, string];
      names.add(name);
      if (kind === 'histogram' || kind === 'summary')
        for (const part of ['_bucket', '_sum', '_count']) names.add(name + part);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { series, names };
}

/** Sum of the series of `name` whose labels include every one of `labels`. */
export function sampleOf(scraped: Scrape, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const [key, value] of scraped.series) {
    const brace = key.indexOf('{');
    if ((brace === -1 ? key : key.slice(0, brace)) !== name) continue;
    if (!Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) continue;
    total = (total ?? 0) + value;
  }
  return total;
}
