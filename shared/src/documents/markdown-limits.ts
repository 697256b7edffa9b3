/**
 * The limits Markdown bodies are held to, apart from the parser so that checking them
 * (and naming them in errors) loads no editor or parser code.
 */
export const MARKDOWN_LIMITS = {
  /** Longest line; a paragraph may span many lines. */
  lineChars: 65_536,
  /**
   * Deepest block nesting in the document tree: a top-level paragraph is at depth 1, a
   * paragraph in a list item in a bullet list at depth 3, so 32 allows lists nested
   * about 15 deep.
   */
  depth: 32,
} as const;

/** The Markdown breaks a limit: the message says which and where. */
export class MarkdownLimitError extends Error {
  override readonly name = 'MarkdownLimitError';
}

/** The line-length limit alone: a linear scan, cheap enough to run before any other work. */
export function checkMarkdownLines(markdown: string): void {
  let lineStart = 0;
  let line = 1;
  for (;;) {
    const end = markdown.indexOf('\n', lineStart);
    const length = (end === -1 ? markdown.length : end) - lineStart;
    if (length > MARKDOWN_LIMITS.lineChars) {
      throw new MarkdownLimitError(
        `line ${line} is ${length} characters long; lines may have at most ${MARKDOWN_LIMITS.lineChars}`,
      );
    }
    if (end === -1) return;
    lineStart = end + 1;
    line++;
  }
}
