// Runs the answer controls' TypeScript (answer-controls/src/) under Node on cases given as
// JSON on stdin and prints the results as JSON, for the Python tests that hold both languages
// to one table:
//   node ts_run.cjs reader [literals.ts]   readAnswers / typedAnswer / withAnswer per case
//   node ts_run.cjs metadata               checkedCellSpec per case ({metadata, grade_id})
// The .ts files are transpiled in memory with the `typescript` package (tests/browser/package.json).
'use strict';
const fs = require('fs');
const path = require('path');
const Module = require('module');

const repo = path.resolve(__dirname, '..', '..');
const ts = require(require.resolve('typescript', {
  paths: [path.join(repo, 'answer-controls'), path.join(repo, 'tests', 'browser')]
}));
Module._extensions['.ts'] = (module, filename) => {
  const output = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true }
  }).outputText;
  module._compile(output, filename);
};
const src = path.join(repo, 'answer-controls', 'src');
const [mode, file] = process.argv.slice(2);
const cases = JSON.parse(fs.readFileSync(0, 'utf8'));

function reader() {
  const { readAnswers, typedAnswer, withAnswer } = require(file ? path.resolve(file) : path.join(src, 'literals.ts'));
  return cases.map(({ source, names }) => {
    const readings = readAnswers ? Object.fromEntries(readAnswers(source, names)) : null;
    const typed = {};
    const written = {};
    for (const name of names) {
      const value = typedAnswer(source, name);
      typed[name] = value === undefined ? { nothing: true } : { shown: value };
      written[name] = withAnswer(source, name, 'picked');
    }
    return { readings, typed, written };
  });
}

function metadata() {
  const { checkedCellSpec } = require(path.join(src, 'metadata.ts'));
  return cases.map(({ metadata, grade_id }) => checkedCellSpec(metadata, grade_id));
}

const modes = { reader, metadata };
if (!modes[mode]) {
  throw new Error(`unknown mode ${mode}`);
}
process.stdout.write(JSON.stringify(modes[mode]()));
