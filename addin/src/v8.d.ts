// The engine sets Error.stackTraceLimit (V8, also in Edge WebView2 and Chromium); harmless elsewhere.
interface ErrorConstructor {
  stackTraceLimit: number;
}
