// Starts Swagger UI on /docs. A file of its own because the page's Content-Security-Policy runs no
// inline script; the page says where the OpenAPI document is (data-openapi-url).
const container = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: container.dataset.openapiUrl,
  domNode: container,
  deepLinking: true,
  // Off: Swagger UI would otherwise show a badge image from validator.swagger.io, a third-party
  // request that the page's policy refuses (and that leaks the document's URL).
  validatorUrl: null,
});
