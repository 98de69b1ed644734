package org.hybridstore.chaos.history;

import java.io.IOException;
import java.nio.file.Path;

/** Entry point for reading history files in any supported format. */
public final class HistoryReaders {

  private HistoryReaders() {}

  /**
   * Returns the reader for a format.
   *
   * @param format the format
   * @return a stateless reader
   */
  public static HistoryReader reader(HistoryFormat format) {
    return switch (format) {
      case EDN, PORCUPINE_KV -> new EdnHistoryReader();
      case JEPSEN_LOG -> new JepsenLogReader();
      case JSONL -> new JsonLinesHistoryReader();
    };
  }

  /**
   * Reads a file, detecting its format with {@link HistoryFormat#detect}.
   *
   * @param file the file
   * @return the history
   * @throws MalformedHistoryException if the file cannot be parsed, naming file and line
   * @throws IOException if reading fails
   */
  public static History read(Path file) throws IOException {
    return read(file, HistoryFormat.detect(file));
  }

  /**
   * Reads a file in a given format.
   *
   * @param file the file
   * @param format the format
   * @return the history
   * @throws MalformedHistoryException if the file cannot be parsed, naming file and line
   * @throws IOException if reading fails
   */
  public static History read(Path file, HistoryFormat format) throws IOException {
    return reader(format).read(file);
  }
}
