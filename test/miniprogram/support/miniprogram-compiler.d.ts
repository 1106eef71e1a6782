// Types for the official WXML/WXSS compilers (wcc/wcsc wrappers) that ship with miniprogram-simulate.
declare module 'miniprogram-compiler' {
  const compiler: {
    /** Compiles every .wxml under rootPath into JS source that returns `$gwx`; throws on a broken template. */
    wxmlToJs(rootPath: string, options?: object): string;
    /** Compiles every .wxss under rootPath; throws on broken styles. */
    wxssToJs(rootPath: string, options?: object): string;
  };
  export default compiler;
}
