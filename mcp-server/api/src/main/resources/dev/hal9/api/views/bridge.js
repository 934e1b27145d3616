// hal9's side of the MCP Apps protocol (io.modelcontextprotocol/ui, 2026-01-26), inlined into every view: JSON-RPC
// over postMessage with the host. It says hello (ui/initialize, then ui/notifications/initialized), takes the theme
// from the host's context, hands the tool's input and result to the view, reports the page's size, and lets the view
// call tools back through the host. It never talks to anything but its parent frame.
(function () {
  "use strict";
  var nextId = 1;
  var pending = {};
  var handlers = { input: [], result: [], cancelled: [], context: [] };
  var state = { input: null, result: null, context: {} };

  function post(message) {
    message.jsonrpc = "2.0";
    window.parent.postMessage(message, "*");
  }

  function request(method, params) {
    var id = nextId++;
    return new Promise(function (resolve, reject) {
      pending[id] = { resolve: resolve, reject: reject };
      post({ id: id, method: method, params: params || {} });
    });
  }

  function applyContext(context) {
    for (var key in context) {
      state.context[key] = context[key];
    }
    var theme = state.context.theme === "dark" ? "dark" : "light";
    document.documentElement.setAttribute("data-theme", theme);
    document.documentElement.style.colorScheme = theme;
    var variables = state.context.styles && state.context.styles.variables;
    if (variables) {
      for (var name in variables) {
        if (variables[name] != null && /^--[a-z0-9-]+$/.test(name)) {
          document.documentElement.style.setProperty(name, variables[name]);
        }
      }
    }
    handlers.context.forEach(function (fn) { fn(state.context); });
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent) {
      return;
    }
    var message = event.data;
    if (!message || message.jsonrpc !== "2.0") {
      return;
    }
    if (message.id != null && !message.method) {
      var waiting = pending[message.id];
      if (waiting) {
        delete pending[message.id];
        if (message.error) {
          waiting.reject(new Error(message.error.message || "the host refused"));
        } else {
          waiting.resolve(message.result);
        }
      }
      return;
    }
    switch (message.method) {
      case "ui/notifications/tool-input":
        state.input = (message.params && message.params.arguments) || {};
        handlers.input.forEach(function (fn) { fn(state.input); });
        break;
      case "ui/notifications/tool-result":
        state.result = message.params || {};
        handlers.result.forEach(function (fn) { fn(state.result.structuredContent || null, state.result); });
        break;
      case "ui/notifications/tool-cancelled":
        handlers.cancelled.forEach(function (fn) { fn((message.params && message.params.reason) || ""); });
        break;
      case "ui/notifications/host-context-changed":
        applyContext(message.params || {});
        break;
      case "ui/resource-teardown":
        post({ id: message.id, result: {} });
        break;
      case "ping":
        post({ id: message.id, result: {} });
        break;
      default:
        if (message.id != null) {
          post({ id: message.id, error: { code: -32601, message: "Method not found: " + message.method } });
        }
    }
  });

  var lastSize = "";
  function reportSize() {
    var width = Math.ceil(document.documentElement.scrollWidth);
    var height = Math.ceil(document.documentElement.scrollHeight);
    var size = width + "x" + height;
    if (size !== lastSize) {
      lastSize = size;
      post({ method: "ui/notifications/size-changed", params: { width: width, height: height } });
    }
  }

  window.hal9 = {
    /** fn(structuredContent, wholeResult) when the tool's result arrives (at once if it already has). */
    onResult: function (fn) {
      handlers.result.push(fn);
      if (state.result) {
        fn(state.result.structuredContent || null, state.result);
      }
    },
    /** fn(arguments) when the tool's input arrives. */
    onInput: function (fn) {
      handlers.input.push(fn);
      if (state.input) {
        fn(state.input);
      }
    },
    /** fn(reason) when the host cancelled the tool. */
    onCancelled: function (fn) { handlers.cancelled.push(fn); },
    /** fn(context) whenever the host's context (theme, locale, ...) is known or changes. */
    onContext: function (fn) { handlers.context.push(fn); },
    /** Calls a tool of this server through the host: resolves to the CallToolResult. */
    callTool: function (name, args) {
      return request("tools/call", { name: name, arguments: args || {} });
    },
    /** Asks the host to open a link in the user's browser. */
    openLink: function (url) { return request("ui/open-link", { url: url }); },
    /** The host's locale, for numbers and dates ("en-US" when it gave none). */
    locale: function () { return state.context.locale || "en-US"; },
    /** Text for the page: never HTML. */
    text: function (element, value) {
      element.textContent = value == null ? "" : String(value);
      return element;
    },
    /** A new element with a class and, optionally, text. */
    el: function (tag, className, text) {
      var element = document.createElement(tag);
      if (className) {
        element.className = className;
      }
      if (text != null) {
        element.textContent = String(text);
      }
      return element;
    },
    reportSize: reportSize
  };

  applyContext({});
  request("ui/initialize", {
    appInfo: { name: "hal9-view", version: "1" },
    appCapabilities: { availableDisplayModes: ["inline"] },
    protocolVersion: "2026-01-26"
  }).then(function (result) {
    applyContext((result && result.hostContext) || {});
    post({ method: "ui/notifications/initialized", params: {} });
    if (window.ResizeObserver) {
      new ResizeObserver(reportSize).observe(document.documentElement);
    }
    reportSize();
  }, function () {
    // a host that refused the handshake shows nothing through us; the tool's text is still in the conversation
  });
})();
