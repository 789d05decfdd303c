// The Functions app's entry (package.json "main": dist/functions/index.js). HTTP streaming must be
// switched on before any function is registered.
import { app } from '@azure/functions';
import { registerAll } from './app';

app.setup({ enableHttpStream: true });
registerAll();
