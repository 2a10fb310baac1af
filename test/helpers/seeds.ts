// The documented responses in shared/upstreams/seeds/ are doc pages copied verbatim: a curl line, the JSON, then
// prose. These read the JSON out of them as the mappers' fixtures.
import { readFileSync } from 'node:fs';

function firstJsonObject(text: string): string {
  // The curl line's `{id}` is not JSON: start at the first brace that opens an object with a key.
  const start = text.search(/\{\s*"/);
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{') depth++;
    else if (char === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  throw new Error('no JSON object in seed');
}

function seed(name: string): string {
  return readFileSync(new URL(`../../../shared/upstreams/seeds/${name}`, import.meta.url), 'utf8');
}

export function backsideSeedContact(): unknown {
  return JSON.parse(firstJsonObject(seed('000_cda5b825459ba591.txt')));
}

export function intercomSeedContact(): unknown {
  // The documented example misses one comma ("subscription" then "url"); Intercom's real payloads are valid JSON.
  const json = firstJsonObject(seed('004_a2d76e1322f54063.txt')).replace(
    /"subscription"\s*\n"url"/,
    '"subscription",\n"url"',
  );
  return JSON.parse(json);
}
