// Renders a real mini-program page (its TypeScript and its WXML) headless with miniprogram-simulate.
//
// simulate only knows Component(), so a small Page() shim captures the page's options while its module is
// imported (Vite transpiles the TypeScript), turns every function into a method, and runs onLoad(query)
// and onShow when the component attaches — what the base library does when a page opens.
// The WXML is compiled by the official compiler (wcc) that ships with miniprogram-simulate, over the whole
// mini-program at once: a broken template anywhere fails every page test.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import simulate from 'miniprogram-simulate';
import compiler from 'miniprogram-compiler';

export const MP_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../miniprogram');

type Gwx = (wxmlPath: string) => unknown;
let gwx: Gwx | undefined;

/** The official compiler's output for the whole mini-program, compiled once per test file. */
export function officialTemplates(): Gwx {
  if (!gwx) {
    // wcc's generated code checks the engine version; simulate sets it the same way before compiling.
    (window as unknown as { __webview_engine_version__: number }).__webview_engine_version__ = 0.02;
    const source = compiler.wxmlToJs(MP_ROOT);
    gwx = new Function(source)() as Gwx;
  }
  return gwx;
}

type PageOptions = Record<string, unknown> & { data?: Record<string, unknown> };
const captured = new Map<string, PageOptions>();

/** Imports `pages/<name>/index.ts` with Page() shimmed, and keeps its options (a module runs only once). */
export async function loadPage(name: string): Promise<PageOptions> {
  const cached = captured.get(name);
  if (cached) return cached;
  const g = globalThis as unknown as { Page?: unknown };
  const previous = g.Page;
  let options: PageOptions | undefined;
  g.Page = (o: PageOptions) => {
    options = o;
  };
  try {
    await import(/* @vite-ignore */ path.join(MP_ROOT, 'pages', name, 'index.ts'));
  } finally {
    g.Page = previous;
  }
  if (!options) throw new Error(`pages/${name}/index.ts did not call Page()`);
  captured.set(name, options);
  return options;
}

export interface PageInstance {
  data: Record<string, any>;
  setData(d: Record<string, unknown>): void;
  [method: string]: any;
}

/** Opens the page with `query` and returns the simulate component (`.instance` is the page's `this`). */
export async function openPage(name: string, query: Record<string, string> = {}) {
  const options = await loadPage(name);
  const methods: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'function') methods[key] = value;
  }
  const id = simulate.load({
    template: officialTemplates()(`pages/${name}/index.wxml`),
    // A copy per render: the page's initial data must not leak between tests.
    data: JSON.parse(JSON.stringify(options.data ?? {})),
    methods,
    lifetimes: {
      attached(this: PageInstance) {
        this.onLoad?.({ ...query });
        this.onShow?.();
      },
      detached(this: PageInstance) {
        this.onUnload?.();
      },
    },
  } as never) as unknown as string;
  const comp = simulate.render(id);
  comp.attach(document.createElement('parent-wrapper'));
  opened.push(comp);
  return comp as typeof comp & { instance: PageInstance };
}

const opened: { detach(): void }[] = [];

/** Closes every page opened so far (runs onUnload), so no page timer outlives its test. */
export function closePages(): void {
  for (const comp of opened.splice(0)) comp.detach();
}

/** Lets the stubbed wx calls (setTimeout 0) and the page's awaits run to the end. */
export async function settle(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await simulate.sleep(0);
}

export { simulate };

type Rendered = Awaited<ReturnType<typeof openPage>>;

/** The first element matching `selector` in the rendered page, or null. */
export function $(comp: Rendered, selector: string): Element | null {
  return comp.dom!.querySelector(selector);
}

/** All elements matching `selector`. */
export function $$(comp: Rendered, selector: string): Element[] {
  return Array.from(comp.dom!.querySelectorAll(selector));
}

/** Trimmed text of the first match, or null when nothing matches. */
export function text(comp: Rendered, selector: string): string | null {
  const el = $(comp, selector);
  return el ? (el.textContent ?? '').trim() : null;
}

/** Dispatches a tap on the first match, as a finger would (through the template's bindtap). */
export function tap(comp: Rendered, selector: string): void {
  const target = comp.querySelector(selector);
  if (!target) throw new Error(`nothing matches ${selector}`);
  target.dispatchEvent('tap');
}
