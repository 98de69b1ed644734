package org.hybridstore.chaos.history;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/** A history file could not be parsed; the message names the file and the 1-based line. */
public class MalformedHistoryException extends IOException {

  private final String file;
  private final int line;

  /**
   * Creates the exception.
   *
   * @param file the file name as given by the caller
   * @param line the 1-based line, or 0 when unknown
   * @param message what is wrong
   * @param cause the underlying error, may be null
   */
  public MalformedHistoryException(
      String file, int line, @Nullable String message, @Nullable Throwable cause) {
    super(file + ":" + line + ": " + message, cause);
    this.file = file;
    this.line = line;
  }

  /**
   * Returns the file.
   *
   * @return the file name
   */
  public String file() {
    return file;
  }

  /**
   * Returns the line.
   *
   * @return the 1-based line, 0 when unknown
   */
  public int line() {
    return line;
  }
}
