package org.hybridstore.example;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** Reads one query parameter of a request URI. */
final class HttpQuery {
  private HttpQuery() {}

  /**
   * Returns a query parameter's decoded value, {@code ""} if it has none, or null if it is absent.
   *
   * @param uri the request URI
   * @param name the parameter
   * @return its value
   */
  static @Nullable String get(URI uri, String name) {
    String q = uri.getRawQuery();
    if (q == null) {
      return null;
    }
    for (String part : q.split("&")) {
      int eq = part.indexOf('=');
      String key = eq < 0 ? part : part.substring(0, eq);
      if (key.equals(name)) {
        return eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
