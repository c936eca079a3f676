/** Side-effect imports of stylesheets: esbuild bundles them into the CSS file. */
declare module '*.css';
