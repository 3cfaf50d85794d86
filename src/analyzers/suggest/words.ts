/**
 * Table names as evidence: split into words, singularize simple plurals, and pick the word
 * that names the table's subject (its stem). `order`, `order_items` and `order_status_history`
 * all have the stem `order`.
 */

const IRREGULAR_SINGULAR: Readonly<Record<string, string>> = {
  people: 'person',
  children: 'child',
  men: 'man',
  women: 'woman',
  mice: 'mouse',
  indices: 'index',
  matrices: 'matrix',
  vertices: 'vertex',
  analyses: 'analysis',
  criteria: 'criterion',
  statuses: 'status',
  bonuses: 'bonus',
  campuses: 'campus',
  viruses: 'virus',
  censuses: 'census',
  aliases: 'alias',
  buses: 'bus',
  diagnoses: 'diagnosis',
  crises: 'crisis',
  theses: 'thesis',
  // Plurals that look like singular -us and -is words (status, analysis).
  menus: 'menu',
  gurus: 'guru',
  emus: 'emu',
  apis: 'api',
  emojis: 'emoji',
  wikis: 'wiki',
  taxis: 'taxi',
  kiwis: 'kiwi',
  skis: 'ski',
  series: 'series',
  species: 'species',
  news: 'news',
};

const IRREGULAR_PLURAL: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(IRREGULAR_SINGULAR)
    .filter(([plural, singular]) => plural !== singular)
    .map(([plural, singular]) => [singular, plural]),
);

/**
 * Words that describe a role rather than a subject (`order_status`, `user_log`): never a
 * stem, and not evidence of a shared domain when they are not the first word. Which other
 * words behave like this is also detected per schema (see `roleWords`).
 */
export const GENERIC_WORDS: ReadonlySet<string> = new Set([
  'id', 'key', 'type', 'kind', 'status', 'state', 'log', 'history', 'item', 'entry', 'line', 'detail',
  'data', 'info', 'meta', 'metadata', 'map', 'mapping', 'link', 'ref', 'setting', 'config', 'audit',
  'event', 'version', 'archive', 'snapshot', 'stat', 'count', 'daily', 'tmp', 'temp', 'old', 'new',
  'by', 'to', 'of', 'and', 'x', 'xref',
]);

/** Leading words that mark how a table is stored, not what it holds (`tbl_orders`, `legacy_users`). */
const STORAGE_PREFIXES: ReadonlySet<string> = new Set(['tbl', 'tmp', 'temp', 'old', 'bak', 'backup', 'archive', 'legacy', 'v', 'vw']);

export function singularize(word: string): string {
  const irregular = IRREGULAR_SINGULAR[word];
  if (irregular) return irregular;
  if (word.length <= 3) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses') || /(x|ch|sh|zz)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('ss') || word.endsWith('us') || word.endsWith('is')) return word;
  if (word.endsWith('s')) return word.slice(0, -1);
  return word;
}

export function pluralize(word: string): string {
  const irregular = IRREGULAR_PLURAL[word];
  if (irregular) return irregular;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  return `${word}s`;
}

/** `OrderItems` / `order_items` / `order-items` -> ['order', 'item']. Digits-only words are dropped. */
export function splitWords(name: string): string[] {
  return rawWords(name).map(singularize);
}

/** The words as written: `order_items` -> ['order', 'items']. */
export function rawWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .map((w) => w.replace(/\d+$/, ''))
    .filter((w) => w.length > 0);
}

export interface TableWords {
  /** The subject word: the first word, after storage prefixes and schema-wide prefixes. */
  readonly stem: string | undefined;
  /** The subject as the table's name writes it (`orders` in `orders`, `order` in `order_items`). */
  readonly written: string | undefined;
  /** The other words that can signal a shared domain (role words removed). */
  readonly others: readonly string[];
}

/**
 * Words of every table, with two schema-wide corrections that a fixed list cannot make:
 * a first word that starts half or more of all tables, and names none alone, is a naming
 * prefix (`wp_`, `app_`),
 * not a subject; and a later word that follows three or more different subjects (`_items`,
 * `_notes`) is a role word.
 */
export function tableWords(names: ReadonlyMap<string, string>): Map<string, TableWords> {
  const split = new Map<string, string[]>();
  const raw = new Map<string, string[]>();
  for (const [key, name] of names) {
    raw.set(key, rawWords(name));
    split.set(key, raw.get(key)!.map(singularize));
  }

  const firstCount = new Map<string, number>();
  const alone = new Set<string>();
  for (const words of split.values()) {
    if (words[0]) firstCount.set(words[0], (firstCount.get(words[0]) ?? 0) + 1);
    if (words.length === 1) alone.add(words[0]!);
  }
  // `order` starting half the tables of a small schema is a subject, and `orders` exists on its own.
  const prefixes = new Set([...firstCount].filter(([w, n]) => n >= 5 && n >= names.size / 2 && !alone.has(w)).map(([w]) => w));

  const subjects = new Map<string, string[]>();
  const writtenSubject = new Map<string, string | undefined>();
  for (const [key, words] of split) {
    let i = 0;
    while (i < words.length - 1 && (STORAGE_PREFIXES.has(words[i]!) || prefixes.has(words[i]!))) i++;
    subjects.set(key, words.slice(i));
    writtenSubject.set(key, raw.get(key)![i]);
  }
  const followed = new Map<string, Set<string>>();
  for (const words of subjects.values()) {
    for (const w of words.slice(1)) {
      let s = followed.get(w);
      if (!s) followed.set(w, (s = new Set()));
      s.add(words[0]!);
    }
  }
  const role = (w: string) => GENERIC_WORDS.has(w) || (followed.get(w)?.size ?? 0) >= 3 || w.length < 2;

  const out = new Map<string, TableWords>();
  for (const [key, words] of subjects) {
    // A first word is the subject even when it is a role word elsewhere (`status_codes`).
    const first = words[0];
    const stem = first !== undefined && first.length >= 2 ? first : words.find((w) => !role(w));
    const others = [...new Set(words.filter((w) => w !== stem && !role(w)))];
    out.set(key, { stem, written: stem === first ? writtenSubject.get(key) : stem, others });
  }
  return out;
}
