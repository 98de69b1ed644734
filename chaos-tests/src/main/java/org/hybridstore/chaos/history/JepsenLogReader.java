package org.hybridstore.chaos.history;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads the op lines of a Jepsen log, as in the 2014-15 etcd runs: {@code INFO jepsen.util -
 * <process> <type> <f> <value>}.
 *
 * <p>Fields are separated by tabs or runs of spaces. The value is {@code nil}, an integer, a
 * keyword such as {@code :timed-out} (stored as the string {@code "timed-out"}), a string, or a
 * vector {@code [a b]} of those. Blank lines and other loggers' lines (a log level followed by a
 * logger name other than {@code jepsen.util}) are skipped; any other line is malformed. A {@code
 * :nemesis} process gives a non-client op whose unparsable value is kept as text. Instances are
 * stateless and threadsafe.
 */
@SuppressWarnings("StringSplitter") // splitting on whitespace runs; empty trailing items are noise
public final class JepsenLogReader implements HistoryReader {

  private static final Pattern WS = Pattern.compile("\\s+");
  private static final Pattern OTHER_LOG_LINE =
      Pattern.compile("^(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\\s+\\S+.*");
  private static final String MARKER = "jepsen.util - ";

  @Override
  public History read(Reader source, String fileName) throws IOException {
    BufferedReader in = source instanceof BufferedReader b ? b : new BufferedReader(source);
    History history = new History();
    String line;
    int lineNo = 0;
    while ((line = in.readLine()) != null) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      int at = line.indexOf(MARKER);
      if (at < 0) {
        if (OTHER_LOG_LINE.matcher(line).matches()) {
          continue;
        }
        throw new MalformedHistoryException(
            fileName, lineNo, "not a Jepsen log line: " + line, null);
      }
      try {
        history.append(parseOp(line.substring(at + MARKER.length()).strip()));
      } catch (IllegalArgumentException e) {
        throw new MalformedHistoryException(fileName, lineNo, e.getMessage() + ": " + line, e);
      }
    }
    return history;
  }

  private static Op parseOp(String rest) {
    String[] fields = WS.split(rest, 4);
    if (fields.length < 3) {
      throw new IllegalArgumentException("expected <process> <type> <f> <value>");
    }
    int process;
    boolean client;
    if (fields[0].matches("\\d+")) {
      process = Integer.parseInt(fields[0]);
      client = true;
    } else if (fields[0].startsWith(":")) {
      process = Op.NEMESIS;
      client = false;
    } else {
      throw new IllegalArgumentException("bad process " + fields[0]);
    }
    OpType type = OpType.parse(fields[1]);
    if (!fields[2].startsWith(":") || fields[2].length() < 2) {
      throw new IllegalArgumentException("bad function " + fields[2]);
    }
    String f = fields[2].substring(1);
    String rawValue = fields.length == 4 ? fields[3].strip() : "nil";
    Object value;
    try {
      value = parseValue(rawValue);
    } catch (IllegalArgumentException e) {
      if (client) {
        throw e;
      }
      value = rawValue;
    }
    return Op.of(process, type, f, value);
  }

  /**
   * Parses a value: nil, true/false, an integer, a :keyword, a "string" or a [vector].
   *
   * @param text the value text
   * @return the value
   * @throws IllegalArgumentException when the text is none of those
   */
  static @Nullable Object parseValue(String text) {
    if (text.startsWith("[")) {
      if (!text.endsWith("]")) {
        throw new IllegalArgumentException("unterminated vector " + text);
      }
      String inner = text.substring(1, text.length() - 1).replace(',', ' ').strip();
      List<Object> items = new ArrayList<>();
      if (!inner.isEmpty()) {
        for (String item : WS.split(inner)) {
          items.add(parseAtom(item));
        }
      }
      return items;
    }
    return parseAtom(text);
  }

  private static @Nullable Object parseAtom(String t) {
    if (t.equals("nil")) {
      return null;
    }
    if (t.equals("true") || t.equals("false")) {
      return Boolean.valueOf(t);
    }
    if (t.startsWith(":") && t.length() > 1) {
      return t.substring(1);
    }
    if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
      return t.substring(1, t.length() - 1);
    }
    if (t.matches("-?\\d{1,18}")) {
      return Long.parseLong(t);
    }
    throw new IllegalArgumentException("bad value '" + t + "'");
  }
}
