/** Fixtures imported as text (Vite's `?raw` suffix). */
declare module "*?raw" {
  const text: string;
  export default text;
}

/** Vite's import.meta.glob, as the tests use it: every matching file's text, by path. */
interface ImportMeta {
  glob<T = unknown>(pattern: string, options: { query: "?raw"; import: "default"; eager: true }): Record<string, T>;
}
