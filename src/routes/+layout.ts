// Everything lives in IndexedDB and a Web Worker in the browser; there is nothing to render on the server.
export const ssr = false;
