package org.hybridstore.example;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * The Jolokia agent's authenticator when operations are enabled: read-only requests ({@code read},
 * {@code list}, {@code search}, {@code version}, and CORS preflights) pass without credentials, so
 * the dashboard and read-only consoles keep working; every other request ({@code exec}, {@code
 * write}, anything it cannot classify) needs the configured user and password, checked by Jolokia's
 * own basic authenticator.
 *
 * <p>Which commands are allowed at all is the access policy's business ({@code
 * jolokia-access*.xml}); this class only decides who must log in. It reads a POST body to find the
 * request types and hands the same bytes on to Jolokia. A credentialed request that a browser sends
 * from a page of another origin is refused (403): a browser may have cached the basic credentials
 * for the agent, and a foreign page must not use them (cross-site request forgery). Clients that
 * are not browsers send no {@code Origin} header and are not affected.
 */
final class OperationsAuthenticator extends Authenticator {
  private static final Set<String> READ_ONLY_TYPES = Set.of("read", "list", "search", "version");
  private static final int MAX_INSPECTED_BODY = 1 << 20;

  private final Authenticator credentials;
  private final String contextPath;
  private final HttpPrincipal anonymous;

  /**
   * @param credentials the authenticator for requests that change something (Jolokia's basic one)
   * @param contextPath the agent's context path, e.g. {@code /jolokia}
   * @param realm the realm reported for anonymous requests
   */
  OperationsAuthenticator(Authenticator credentials, String contextPath, String realm) {
    this.credentials = credentials;
    this.contextPath =
        contextPath.endsWith("/")
            ? contextPath.substring(0, contextPath.length() - 1)
            : contextPath;
    this.anonymous = new HttpPrincipal("anonymous", realm);
  }

  @Override
  public Result authenticate(HttpExchange exchange) {
    boolean readOnly;
    try {
      readOnly = isReadOnly(exchange);
    } catch (UncheckedIOException e) {
      return new Failure(400);
    }
    if (readOnly) {
      return new Success(anonymous);
    }
    if (isCrossOriginBrowserRequest(exchange)) {
      return new Failure(403);
    }
    return credentials.authenticate(exchange);
  }

  private boolean isReadOnly(HttpExchange ex) {
    String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
    return switch (method) {
      // a preflight carries no credentials and does nothing; the real request is checked again
      case "OPTIONS" -> true;
      case "GET" -> isReadOnlyGet(ex.getRequestURI());
      case "POST" -> isReadOnlyPost(ex);
      default -> false;
    };
  }

  private boolean isReadOnlyGet(URI uri) {
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (path.startsWith(contextPath)) {
      path = path.substring(contextPath.length());
    }
    // Jolokia also takes the request path from the query parameter "p"; both must be read-only.
    String p = HttpQuery.get(uri, "p");
    return isReadOnlyPath(path) && (p == null || isReadOnlyPath(p));
  }

  private static boolean isReadOnlyPath(String path) {
    String rest = path;
    while (rest.startsWith("/")) {
      rest = rest.substring(1);
    }
    if (rest.isEmpty()) {
      return true; // the agent's version
    }
    int slash = rest.indexOf('/');
    String type =
        URLDecoder.decode(slash < 0 ? rest : rest.substring(0, slash), StandardCharsets.UTF_8);
    return READ_ONLY_TYPES.contains(type.toLowerCase(Locale.ROOT));
  }

  private static boolean isReadOnlyPost(HttpExchange ex) {
    byte[] body;
    boolean complete;
    InputStream in = ex.getRequestBody();
    try {
      body = in.readNBytes(MAX_INSPECTED_BODY + 1);
      complete = body.length <= MAX_INSPECTED_BODY;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // Jolokia reads the same bytes afterwards.
    ex.setStreams(
        complete
            ? new ByteArrayInputStream(body)
            : new SequenceInputStream(new ByteArrayInputStream(body), in),
        null);
    if (!complete) {
      return false;
    }
    JsonNode json;
    try {
      json = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      return false; // Jolokia will refuse it too; not our job to say why
    }
    if (json == null) {
      return false;
    }
    if (json.isObject()) {
      return isReadOnlyType(json);
    }
    if (json.isArray() && !json.isEmpty()) {
      for (JsonNode request : json) {
        if (!request.isObject() || !isReadOnlyType(request)) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  private static boolean isReadOnlyType(JsonNode request) {
    JsonNode type = request.get("type");
    return type != null
        && type.isTextual()
        && READ_ONLY_TYPES.contains(type.asText().toLowerCase(Locale.ROOT));
  }

  private static boolean isCrossOriginBrowserRequest(HttpExchange ex) {
    String origin = ex.getRequestHeaders().getFirst("Origin");
    if (origin == null) {
      return false;
    }
    String host = ex.getRequestHeaders().getFirst("Host");
    URI o;
    try {
      o = URI.create(origin.trim());
    } catch (IllegalArgumentException e) {
      return true;
    }
    String authority = o.getRawAuthority();
    return host == null || authority == null || !authority.equalsIgnoreCase(host.trim());
  }
}
