package org.hybridstore.chaos.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Writes histories as the project's JSON lines and as EDN that Knossos, Elle and {@link
 * EdnHistoryReader} read.
 *
 * <p>The EDN form is a vector with one op map per line: {@code {:index 0, :time 12, :type :invoke,
 * :process 0, :f :read, :value nil}}, with {@code :error}, {@code :node} and {@code :mode} when
 * present. Nemesis ops get {@code :process :nemesis}. Strings that are valid keyword names are
 * written as keywords in the {@code :f} position and as map keys; values keep their string form.
 * Doubles that are not finite are written as {@code ##NaN}, {@code ##Inf} and {@code ##-Inf}. This
 * class is threadsafe.
 */
public final class HistoryWriters {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern KEYWORD =
      Pattern.compile(
          "[A-Za-z*+!_?<>=][A-Za-z0-9*+!_?<>=.\\-/]*|-[A-Za-z*+!_?<>=.][A-Za-z0-9*+!_?<>=.\\-/]*");

  private HistoryWriters() {}

  /**
   * Writes one JSON object per op and line.
   *
   * @param history the history
   * @param out the destination; flushed, not closed
   * @throws IOException if writing fails
   */
  public static void writeJsonLines(History history, Writer out) throws IOException {
    for (Op op : history.ops()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("index", op.index());
      m.put("time", op.timeNanos());
      m.put("type", op.type().keyword());
      m.put("process", OpMaps.processField(op));
      m.put("f", op.f());
      m.put("value", op.value());
      putIfNotNull(m, "error", op.error());
      putIfNotNull(m, "node", op.node());
      putIfNotNull(m, "mode", op.mode());
      out.write(MAPPER.writeValueAsString(m));
      out.write('\n');
    }
    out.flush();
  }

  /**
   * Writes JSON lines to a UTF-8 file, creating parent folders.
   *
   * @param history the history
   * @param file the destination, replaced if present
   * @throws IOException if writing fails
   */
  public static void writeJsonLines(History history, Path file) throws IOException {
    createParents(file);
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      writeJsonLines(history, w);
    }
  }

  /**
   * Writes the history as an EDN vector of op maps, one per line.
   *
   * @param history the history
   * @param out the destination; flushed, not closed
   * @throws IOException if writing fails
   */
  public static void writeEdn(History history, Writer out) throws IOException {
    out.write('[');
    boolean first = true;
    for (Op op : history.ops()) {
      if (!first) {
        out.write("\n ");
      }
      first = false;
      StringBuilder sb =
          new StringBuilder("{:index ")
              .append(op.index())
              .append(", :time ")
              .append(op.timeNanos())
              .append(", :type :")
              .append(op.type().keyword())
              .append(", :process ")
              .append(op.isClient() ? Integer.toString(op.process()) : ":nemesis")
              .append(", :f ");
      appendName(sb, op.f());
      sb.append(", :value ");
      appendEdn(sb, op.value());
      appendField(sb, "error", op.error());
      appendField(sb, "node", op.node());
      appendField(sb, "mode", op.mode());
      out.write(sb.append('}').toString());
    }
    out.write("]\n");
    out.flush();
  }

  /**
   * Writes EDN to a UTF-8 file, creating parent folders.
   *
   * @param history the history
   * @param file the destination, replaced if present
   * @throws IOException if writing fails
   */
  public static void writeEdn(History history, Path file) throws IOException {
    createParents(file);
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      writeEdn(history, w);
    }
  }

  /**
   * Formats one value as EDN.
   *
   * @param value a normalised op value
   * @return the EDN text
   */
  public static String toEdn(Object value) {
    StringBuilder sb = new StringBuilder();
    appendEdn(sb, value);
    return sb.toString();
  }

  private static void appendField(StringBuilder sb, String key, @Nullable String value) {
    if (value != null) {
      sb.append(", :").append(key).append(' ');
      appendEdn(sb, value);
    }
  }

  private static void appendName(StringBuilder sb, String name) {
    if (KEYWORD.matcher(name).matches()
        && !name.equals("nil")
        && !name.equals("true")
        && !name.equals("false")) {
      sb.append(':').append(name);
    } else {
      appendEdn(sb, name);
    }
  }

  private static void appendEdn(StringBuilder sb, @Nullable Object v) {
    if (v == null) {
      sb.append("nil");
    } else if (v instanceof String s) {
      sb.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> sb.append("\\\"");
          case '\\' -> sb.append("\\\\");
          case '\n' -> sb.append("\\n");
          case '\r' -> sb.append("\\r");
          case '\t' -> sb.append("\\t");
          default -> {
            if (c < 0x20) {
              sb.append(String.format("\\u%04x", (int) c));
            } else {
              sb.append(c);
            }
          }
        }
      }
      sb.append('"');
    } else if (v instanceof Double d) {
      if (d.isNaN()) {
        sb.append("##NaN");
      } else if (d.isInfinite()) {
        sb.append(d > 0 ? "##Inf" : "##-Inf");
      } else {
        sb.append(d.toString());
      }
    } else if (v instanceof List<?> list) {
      sb.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          sb.append(' ');
        }
        appendEdn(sb, list.get(i));
      }
      sb.append(']');
    } else if (v instanceof Map<?, ?> map) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) {
          sb.append(", ");
        }
        first = false;
        appendName(sb, (String) e.getKey());
        sb.append(' ');
        appendEdn(sb, e.getValue());
      }
      sb.append('}');
    } else {
      // Long and Boolean print as EDN.
      sb.append(v);
    }
  }

  private static void putIfNotNull(Map<String, Object> m, String key, @Nullable Object value) {
    if (value != null) {
      m.put(key, value);
    }
  }

  private static void createParents(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
  }

  /**
   * Formats the history as EDN text.
   *
   * @param history the history
   * @return the EDN vector
   */
  public static String toEdn(History history) {
    StringWriter w = new StringWriter();
    try {
      writeEdn(history, w);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }
}
