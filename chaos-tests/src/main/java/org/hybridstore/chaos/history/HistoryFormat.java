package org.hybridstore.chaos.history;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The history file formats the readers understand. */
public enum HistoryFormat {
  /** Jepsen EDN: one collection (vector or list) of op maps, or op maps one after another. */
  EDN("edn"),
  /** Jepsen's etcd log lines: {@code INFO jepsen.util - <process> <type> <f> <value>}. */
  JEPSEN_LOG("jepsen-log"),
  /** Porcupine's kv test data: one EDN map with {@code :key} per line. */
  PORCUPINE_KV("porcupine-kv"),
  /** The project's own JSON lines, one op object per line. */
  JSONL("jsonl");

  private final String cliName;

  HistoryFormat(String cliName) {
    this.cliName = cliName;
  }

  /**
   * Returns the name used on the command line.
   *
   * @return for example {@code "jepsen-log"}
   */
  public String cliName() {
    return cliName;
  }

  /**
   * Parses a command-line name.
   *
   * @param name for example {@code "edn"}
   * @return the format
   * @throws IllegalArgumentException for an unknown name
   */
  public static HistoryFormat parse(String name) {
    for (HistoryFormat f : values()) {
      if (f.cliName.equalsIgnoreCase(name) || f.name().equalsIgnoreCase(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown history format: " + name);
  }

  /**
   * Detects the format of a file from its extension and, when that is not decisive, its first
   * non-blank line.
   *
   * <p>{@code .log} is a Jepsen log, {@code .jsonl}/{@code .json} JSON lines, {@code .edn} EDN
   * (Porcupine kv when its first map has a {@code :key}); otherwise a line starting with <code>{"
   * </code> is JSON, <code>{:</code> is EDN (kv when it has {@code :key}), {@code [}, {@code (} or
   * {@code ;} EDN, and a line containing {@code jepsen.util -} a Jepsen log.
   *
   * @param file the file
   * @return the format
   * @throws IOException if the file cannot be read
   * @throws MalformedHistoryException if the format cannot be recognised
   */
  public static HistoryFormat detect(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".log")) {
      return JEPSEN_LOG;
    }
    if (name.endsWith(".jsonl") || name.endsWith(".json")) {
      return JSONL;
    }
    String first = firstNonBlankLine(file);
    if (first == null) {
      // An empty file is an empty history in any format.
      return name.endsWith(".edn") ? EDN : JEPSEN_LOG;
    }
    if (first.startsWith("{\"")) {
      return JSONL;
    }
    if (first.startsWith("{:") || first.startsWith("{ :")) {
      return first.contains(":key ") ? PORCUPINE_KV : EDN;
    }
    if (first.startsWith("[")
        || first.startsWith("(")
        || first.startsWith(";")
        || name.endsWith(".edn")) {
      return EDN;
    }
    if (first.contains("jepsen.util -")) {
      return JEPSEN_LOG;
    }
    throw new MalformedHistoryException(
        file.toString(), 1, "cannot detect the history format", null);
  }

  private static @Nullable String firstNonBlankLine(Path file) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        String t = line.strip();
        if (!t.isEmpty()) {
          return t;
        }
      }
      return null;
    }
  }
}
