package org.hybridstore.ap.internal.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One open file of the journal, as the log sees it: positional reads and writes, an explicit {@link
 * #force()} that makes everything written so far durable, and truncation. Production uses a {@link
 * java.nio.channels.FileChannel}; the power-cut tests use an in-memory file that forgets every byte
 * not yet forced when the simulated power goes.
 */
public interface LogChannel extends Closeable {
  /** Returns the file's size in bytes. */
  long size() throws IOException;

  /**
   * Reads up to {@code dst.remaining()} bytes at {@code position}.
   *
   * @return the bytes read, or -1 at the end of the file
   */
  int read(ByteBuffer dst, long position) throws IOException;

  /** Writes all of {@code src} at {@code position}. */
  void write(ByteBuffer src, long position) throws IOException;

  /** Makes every byte written so far, and the file's size, durable (fdatasync). */
  void force() throws IOException;

  /** Cuts the file to {@code size} bytes. */
  void truncate(long size) throws IOException;
}
