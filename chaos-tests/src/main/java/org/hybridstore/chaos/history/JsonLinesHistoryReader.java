package org.hybridstore.chaos.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.Map;

/**
 * Reads the project's JSON lines histories, one op object per line, as written by {@link
 * HistoryWriters#writeJsonLines}.
 *
 * <p>Fields: {@code process} (an integer, or {@code "nemesis"} / any string for non-client
 * processes), {@code type}, {@code f}, {@code value}, and optional {@code time}, {@code error},
 * {@code node}, {@code mode}, {@code key} and {@code index} (ignored: indexes follow line order).
 * Blank lines are skipped. Instances are threadsafe.
 */
public final class JsonLinesHistoryReader implements HistoryReader {

  private static final ObjectMapper MAPPER = new ObjectMapper();

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
      Map<?, ?> map;
      try {
        Object parsed = MAPPER.readValue(line, Object.class);
        if (!(parsed instanceof Map<?, ?> m)) {
          throw new MalformedHistoryException(fileName, lineNo, "expected a JSON object", null);
        }
        map = m;
      } catch (JsonProcessingException e) {
        throw new MalformedHistoryException(
            fileName, lineNo, "invalid JSON: " + e.getOriginalMessage(), e);
      }
      try {
        history.append(OpMaps.toOp(map));
      } catch (IllegalArgumentException e) {
        throw new MalformedHistoryException(fileName, lineNo, e.getMessage(), e);
      }
    }
    return history;
  }
}
