/** Attributes of {@link h}: element properties, plus `testid` (→ `data-testid`) and plain `attrs`. */
export type Props<K extends keyof HTMLElementTagNameMap> = Partial<
  Omit<HTMLElementTagNameMap[K], 'style'>
> & {
  testid?: string;
  attrs?: Record<string, string>;
};

/** Creates an element with properties and children; strings become text nodes (never parsed as HTML). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props<K> = {},
  ...children: (Node | string | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const { testid, attrs, ...rest } = props;
  const el = Object.assign(document.createElement(tag), rest);
  if (testid) el.dataset.testid = testid;
  for (const [name, value] of Object.entries(attrs ?? {})) el.setAttribute(name, value);
  for (const child of children) if (child !== undefined && child !== false) el.append(child);
  return el;
}

/** The page's error banner (`data-testid="error"`): shows `code` and message, or hides when given nothing. */
export function showError(banner: HTMLElement, error: { code: string; message: string } | undefined): void {
  banner.hidden = !error;
  banner.dataset.code = error?.code ?? '';
  banner.replaceChildren(...(error ? [h('strong', {}, error.message), ' ', h('code', {}, error.code)] : []));
}
