// Webpack 5 build of the Excel add-in: dist/addin/{taskpane.html, functions.js, taskpane.js,
// functions.json, manifest.xml, assets/icon-*.png}. functions.json is generated from the JSDoc of
// src/functions.ts by custom-functions-metadata-plugin, which also appends the
// CustomFunctions.associate calls to that file. Run from the repository root: npm run build:addin.
'use strict';
const path = require('path');
const HtmlWebpackPlugin = require('html-webpack-plugin');
const CopyWebpackPlugin = require('copy-webpack-plugin');
const CustomFunctionsMetadataPlugin = require('custom-functions-metadata-plugin');
const { sources } = require('webpack');
const { iconPng, ICON_SIZES } = require('./icons');

const root = path.resolve(__dirname, '..');
const DEV_URL = 'https://localhost:3000/';

/** Emits assets/icon-NN.png, drawn by icons.js: no binary files in the repository. */
class IconsPlugin {
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('YibaoIcons', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'YibaoIcons', stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        for (const size of ICON_SIZES) compilation.emitAsset(`assets/icon-${size}.png`, new sources.RawSource(iconPng(size)));
      });
    });
  }
}

module.exports = (env = {}, argv = {}) => {
  const mode = argv.mode || 'production';
  // Where the add-in is deployed; the manifest in dist/addin names it. Default: the local dev server.
  const publicUrl = (process.env.YIBAO_ADDIN_URL || DEV_URL).replace(/\/?$/, '/');
  return {
    mode,
    context: root,
    target: 'web',
    devtool: 'source-map',
    entry: {
      functions: path.join(__dirname, 'src/functions.ts'),
      taskpane: path.join(__dirname, 'src/taskpane/taskpane.ts'),
    },
    output: { path: path.join(root, 'dist/addin'), filename: '[name].js', clean: true },
    resolve: { extensions: ['.ts', '.js', '.json'] },
    module: {
      rules: [{ test: /\.ts$/, loader: 'ts-loader', options: { configFile: path.join(__dirname, 'tsconfig.json') } }],
    },
    performance: { hints: false },
    stats: 'errors-warnings',
    plugins: [
      new CustomFunctionsMetadataPlugin({ input: path.join(__dirname, 'src/functions.ts'), output: 'functions.json' }),
      new HtmlWebpackPlugin({
        filename: 'taskpane.html',
        template: path.join(__dirname, 'src/taskpane/taskpane.html'),
        chunks: ['functions', 'taskpane'],
        chunksSortMode: 'manual',
        scriptLoading: 'defer',
      }),
      new CopyWebpackPlugin({
        patterns: [
          { from: path.join(__dirname, 'src/taskpane/taskpane.css'), to: 'taskpane.css' },
          {
            from: path.join(root, 'manifest.xml'),
            to: 'manifest.xml',
            transform: (content) => content.toString().split(DEV_URL).join(publicUrl),
          },
        ],
      }),
      new IconsPlugin(),
    ],
  };
};
