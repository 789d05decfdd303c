// Webpack 5 build of the Excel add-in: a static folder, dist/addin/{taskpane.html, functions.js,
// taskpane.js, functions.json, help.html, taskpane.css, manifest.xml, web.config, assets/icon-*.png, office-js/,
// yibao-template.xlsx}, that any
// https web server can host (docs/addin-deploy.md). YIBAO_ADDIN_URL is where it will be hosted (the
// manifest's URLs; default the dev server); YIBAO_ADDIN_OUT another output folder. functions.json is generated from the JSDoc of
// src/functions.ts by custom-functions-metadata-plugin, which also appends the
// CustomFunctions.associate calls to that file. Run from the repository root: npm run build:addin.
'use strict';
const path = require('path');
const fs = require('fs');
const HtmlWebpackPlugin = require('html-webpack-plugin');
const CopyWebpackPlugin = require('copy-webpack-plugin');
const CustomFunctionsMetadataPlugin = require('custom-functions-metadata-plugin');
const { sources } = require('webpack');
const { iconPng, ICON_SIZES } = require('./icons');
const { manifestFor, publicUrl, officeJsPatterns } = require('./hosting');
const { withHelpUrls, helpPage } = require('./help');
const { templateXlsx, TEMPLATE_PATH } = require('./template');

const root = path.resolve(__dirname, '..');

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

/** Points every function's helpUrl at its section of help.html, and emits help.html (help.js). */
class HelpPlugin {
  constructor(url) {
    this.url = url;
  }
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('YibaoHelp', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'YibaoHelp', stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONS }, () => {
        const meta = compilation.getAsset('functions.json');
        if (!meta) return; // the metadata plugin reported its errors
        const json = withHelpUrls(meta.source.source().toString(), this.url);
        compilation.updateAsset('functions.json', new sources.RawSource(json));
        compilation.emitAsset('help.html', new sources.RawSource(helpPage(json)), { minimized: true });
      });
    });
  }
}

/**
 * Regenerates the template workbook (template.js): samples/yibao-template.xlsx, rewritten only when
 * its bytes change (the generator is deterministic, so normally never), and a copy in the folder for
 * officers to download from the office's server.
 */
class TemplatePlugin {
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('YibaoTemplate', (compilation) => {
      compilation.hooks.processAssets.tapPromise({ name: 'YibaoTemplate', stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, async () => {
        const xlsx = await templateXlsx();
        compilation.emitAsset('yibao-template.xlsx', new sources.RawSource(xlsx));
        const file = path.join(root, TEMPLATE_PATH);
        if (!fs.existsSync(file) || !fs.readFileSync(file).equals(xlsx)) fs.writeFileSync(file, xlsx);
      });
    });
  }
}

module.exports = (env = {}, argv = {}) => {
  const mode = argv.mode || 'production';
  // Checked before anything is built: a bad URL stops the build with the reason.
  const url = publicUrl(process.env.YIBAO_ADDIN_URL);
  const out = process.env.YIBAO_ADDIN_OUT ? path.resolve(process.env.YIBAO_ADDIN_OUT) : path.join(root, 'dist/addin');
  return {
    mode,
    context: root,
    target: 'web',
    devtool: 'source-map',
    entry: {
      functions: path.join(__dirname, 'src/functions.ts'),
      taskpane: path.join(__dirname, 'src/taskpane/taskpane.ts'),
    },
    output: { path: out, filename: '[name].js', clean: true },
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
            transform: (content) => manifestFor(content.toString(), url.url),
          },
          { from: path.join(__dirname, 'web.config'), to: 'web.config' },
          ...officeJsPatterns(root),
        ],
      }),
      new IconsPlugin(),
      new HelpPlugin(url.url),
      new TemplatePlugin(),
    ],
  };
};
