// Renders the AsyncAPI document on /docs/events with the AsyncAPI React component's standalone bundle.
// A file of its own because the page's Content-Security-Policy runs no inline script; the page says
// where the document is (data-asyncapi-url).
const container = document.getElementById("asyncapi");
AsyncApiStandalone.render(
  {
    schema: { url: container.dataset.asyncapiUrl, options: { method: "GET" } },
    config: { show: { sidebar: true }, expand: { messageExamples: true } },
  },
  container,
);
