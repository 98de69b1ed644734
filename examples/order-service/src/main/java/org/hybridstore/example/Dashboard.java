package org.hybridstore.example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The JMX dashboard's two static files, served from the classpath ({@code dashboard/} next to this
 * class): {@code GET /dashboard} (the page, with this node's Jolokia URL filled in as the default
 * node) and {@code GET /dashboard.js}. The page reads everything else from the nodes' Jolokia
 * agents, in the browser.
 */
final class Dashboard {
  static final String PAGE = "dashboard/dashboard.html";
  static final String SCRIPT = "dashboard/dashboard.js";
  private static final String PLACEHOLDER = "@DEFAULT_JOLOKIA_URL@";

  private final byte[] page;
  private final byte[] script;

  /**
   * @param defaultJolokiaUrl the node's own agent, used when the page gets no {@code nodes}
   */
  Dashboard(String defaultJolokiaUrl) {
    this.page =
        resource(PAGE)
            .replace(PLACEHOLDER, escapeHtml(defaultJolokiaUrl))
            .getBytes(StandardCharsets.UTF_8);
    this.script = resource(SCRIPT).getBytes(StandardCharsets.UTF_8);
  }

  java.util.List<com.sun.net.httpserver.HttpContext> register(HttpServer server) {
    return java.util.List.of(
        server.createContext(
            "/dashboard", ex -> serve(ex, "/dashboard", page, "text/html; charset=utf-8")),
        server.createContext(
            "/dashboard.js",
            ex -> serve(ex, "/dashboard.js", script, "text/javascript; charset=utf-8")));
  }

  private static void serve(HttpExchange ex, String path, byte[] body, String type)
      throws IOException {
    try {
      String p = ex.getRequestURI().getPath();
      boolean get = ex.getRequestMethod().equalsIgnoreCase("GET");
      boolean head = ex.getRequestMethod().equalsIgnoreCase("HEAD");
      if (!p.equals(path)) {
        send(
            ex,
            404,
            "text/plain; charset=utf-8",
            "not found\n".getBytes(StandardCharsets.UTF_8),
            head);
      } else if (!get && !head) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        send(
            ex,
            405,
            "text/plain; charset=utf-8",
            "use GET\n".getBytes(StandardCharsets.UTF_8),
            false);
      } else {
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        send(ex, 200, type, body, head);
      }
    } finally {
      ex.close();
    }
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body, boolean head)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  static String resource(String name) {
    try (InputStream in = Dashboard.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(
            "missing resource " + name + " next to " + Dashboard.class.getName());
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String escapeHtml(String s) {
    return s.replace("&", "&amp;")
        .replace("\"", "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;");
  }
}
