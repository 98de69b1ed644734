package org.hybridstore.chaos.history;

import clojure.lang.LineNumberingPushbackReader;
import java.io.IOException;
import java.io.Reader;
import java.util.Map;

/**
 * Reads Jepsen EDN histories through Clojure's EDN reader, so the format is read exactly as Jepsen
 * writes it.
 *
 * <p>Accepted layouts: one collection (a vector {@code [...]} or a list {@code (...)}) of op maps,
 * as in Knossos' data folder; or op maps one after another, as in Jepsen's {@code history.edn} and
 * Porcupine's kv files. Comments and commas are allowed anywhere EDN allows them. Each op map is
 * read by {@code clojure.edn/read} separately so that errors can name the line where it starts.
 * Instances are stateless and threadsafe.
 */
public final class EdnHistoryReader implements HistoryReader {

  @Override
  public History read(Reader source, String fileName) throws IOException {
    LineNumberingPushbackReader in = new LineNumberingPushbackReader(source);
    History history = new History();
    int c = skipBlank(in);
    if (c == -1) {
      return history;
    }
    int close = -1;
    if (c == '[') {
      close = ']';
    } else if (c == '(') {
      close = ')';
    } else {
      in.unread(c);
    }
    while (true) {
      c = skipBlank(in);
      if (c == -1) {
        if (close != -1) {
          throw new MalformedHistoryException(
              fileName,
              in.getLineNumber(),
              "end of file inside the history collection (missing '" + (char) close + "')",
              null);
        }
        return history;
      }
      if (c == close) {
        c = skipBlank(in);
        if (c != -1) {
          throw new MalformedHistoryException(
              fileName, in.getLineNumber(), "unexpected text after the history collection", null);
        }
        return history;
      }
      in.unread(c);
      int line = in.getLineNumber();
      Object form;
      try {
        form = ClojureEdn.read(in);
      } catch (RuntimeException e) {
        throw new MalformedHistoryException(fileName, readerLine(e, line), describe(e), e);
      }
      if (!(form instanceof Map<?, ?> m)) {
        throw new MalformedHistoryException(
            fileName, line, "expected an op map, got " + Op.formatValue(form), null);
      }
      try {
        history.append(OpMaps.toOp(m));
      } catch (IllegalArgumentException e) {
        throw new MalformedHistoryException(fileName, line, e.getMessage(), e);
      }
    }
  }

  /** Skips whitespace, commas and ; comments; returns the next character or -1. */
  private static int skipBlank(LineNumberingPushbackReader in) throws IOException {
    while (true) {
      int c = in.read();
      if (c == ';') {
        while (c != -1 && c != '\n') {
          c = in.read();
        }
        continue;
      }
      if (c == -1 || !(Character.isWhitespace(c) || c == ',')) {
        return c;
      }
    }
  }

  private static int readerLine(RuntimeException e, int fallback) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof clojure.lang.LispReader.ReaderException re && re.line > 0) {
        return re.line;
      }
    }
    return fallback;
  }

  private static String describe(RuntimeException e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return "invalid EDN: " + root.getMessage();
  }
}
