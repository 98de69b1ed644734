package org.hybridstore.chaos.history;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads one history format. */
public interface HistoryReader {

  /**
   * Reads a history from a character stream.
   *
   * @param source the text; not closed by this method
   * @param fileName the name used in error messages
   * @return the history, indexed in file order
   * @throws MalformedHistoryException if the text is not in this format, naming file and line
   * @throws IOException if reading fails
   */
  History read(Reader source, String fileName) throws IOException;

  /**
   * Reads a UTF-8 file.
   *
   * @param file the file
   * @return the history
   * @throws MalformedHistoryException if the file is not in this format, naming file and line
   * @throws IOException if reading fails
   */
  default History read(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read(r, file.toString());
    }
  }
}
