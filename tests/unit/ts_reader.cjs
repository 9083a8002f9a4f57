// Runs the answer controls' reader (answer-controls/src/literals.ts) under Node on the cases
// given as JSON on stdin, and prints what it reads and writes as JSON (tests/unit/test_reader_cases.py).
// The TypeScript is transpiled in memory with the `typescript` package (tests/browser/package.json).
'use strict';
const fs = require('fs');
const path = require('path');
const Module = require('module');

const repo = path.resolve(__dirname, '..', '..');
const ts = require(require.resolve('typescript', {
  paths: [path.join(repo, 'answer-controls'), path.join(repo, 'tests', 'browser')]
}));
const file = process.argv[2] || path.join(repo, 'answer-controls', 'src', 'literals.ts');
const output = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
  compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 }
}).outputText;
const reader = new Module(file);
reader._compile(output, file);
const { readAnswers, typedAnswer, withAnswer } = reader.exports;

const cases = JSON.parse(fs.readFileSync(0, 'utf8'));
const results = cases.map(({ source, names }) => {
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
process.stdout.write(JSON.stringify(results));
