// Loads the WebAssembly app; kept out of index.html so the
// Content-Security-Policy can forbid inline scripts.
import init from "/app.js";
init({ module_or_path: "/app_bg.wasm" });
