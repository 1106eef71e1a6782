// The mini-program as WeChat DevTools opens it: project settings, every page of app.json present in four
// files, and every WXML/WXSS file accepted by the official compilers (wcc / wcsc) shipped with simulate.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import compiler from 'miniprogram-compiler';
import { MP_ROOT } from './support/page-harness';

const readJson = (rel: string) => JSON.parse(fs.readFileSync(path.join(MP_ROOT, rel), 'utf8'));

describe('mini-program project', () => {
  it('is a TypeScript mini-program with domain checks off for the local sandbox', () => {
    const project = readJson('project.config.json');
    expect(project.compileType).toBe('miniprogram');
    expect(project.appid).toBe('touristappid');
    expect(project.setting.useCompilerPlugins).toEqual(['typescript']);
    expect(project.setting.urlCheck).toBe(false);
    expect(project.setting.es6).toBe(true);
  });

  it('stays CommonJS inside an ES-module repository', () => {
    expect(readJson('package.json').type).toBe('commonjs');
    const tsconfig = readJson('tsconfig.json');
    expect(tsconfig.compilerOptions.module).toBe('CommonJS');
    expect(tsconfig.compilerOptions.strict).toBe(true);
    expect(tsconfig.compilerOptions.types).toEqual(['miniprogram-api-typings']);
  });

  it('has ts, wxml, wxss and json for every page in app.json, and tab pages that exist', () => {
    const app = readJson('app.json');
    expect(app.pages[0]).toBe('pages/index/index');
    for (const page of app.pages as string[]) {
      for (const ext of ['ts', 'wxml', 'wxss', 'json']) {
        expect(fs.existsSync(path.join(MP_ROOT, `${page}.${ext}`)), `${page}.${ext}`).toBe(true);
      }
    }
    for (const tab of app.tabBar.list as { pagePath: string }[]) expect(app.pages).toContain(tab.pagePath);
    expect(fs.existsSync(path.join(MP_ROOT, app.sitemapLocation))).toBe(true);
  });

  it('pull-to-refresh is switched on where the pages handle it', () => {
    for (const page of ['index', 'orders', 'order-detail', 'refund-detail']) {
      expect(readJson(`pages/${page}/index.json`).enablePullDownRefresh, page).toBe(true);
    }
  });

  it('compiles every WXML and WXSS file with the official compilers', () => {
    expect(() => compiler.wxmlToJs(MP_ROOT)).not.toThrow();
    expect(() => compiler.wxssToJs(MP_ROOT)).not.toThrow();
  });
});
