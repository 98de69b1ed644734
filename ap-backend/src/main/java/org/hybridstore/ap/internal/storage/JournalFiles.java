package org.hybridstore.ap.internal.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The journal directory as the log sees it: the seam between the journal and the file system.
 * Everything whose durability the journal relies on goes through it (the log files, {@code
 * CURRENT}, the index's clean marker), so a test can replace it with a simulated disk that loses
 * what was not forced when the power is cut. The MapDB index does not go through it: the index is
 * rebuilt from the log whenever its clean marker is absent, so its bytes after a crash never
 * matter.
 *
 * <p>Names are plain file names inside the directory.
 */
public interface JournalFiles {
  /**
   * Opens a file for reading and writing, creating it if absent (the creation is durable only after
   * {@link #syncDirectory()}).
   */
  LogChannel open(String name) throws IOException;

  /** Returns whether the file exists. */
  boolean exists(String name) throws IOException;

  /** Returns the names of the files in the directory. */
  List<String> list() throws IOException;

  /** Reads a small file whole; throws {@link NoSuchFileException} if it is absent. */
  byte[] read(String name) throws IOException;

  /**
   * Replaces a small file atomically and durably: when this returns, a crash leaves either the old
   * or the new content, and the new one survives a power cut.
   */
  void replace(String name, byte[] content) throws IOException;

  /** Deletes a file if it exists (durable after {@link #syncDirectory()}). */
  void delete(String name) throws IOException;

  /** Makes creations and deletions of files durable (fsync of the directory). */
  void syncDirectory() throws IOException;

  /**
   * Copies a file into the directory's {@code quarantine/} folder, durably, for later analysis.
   *
   * @return where the copy is (for messages)
   */
  String quarantine(String name, String copyName) throws IOException;

  /** Returns a description of where the files are, for messages. */
  String describe(String name);

  /** Creates the journal files of a data directory on disk. */
  @FunctionalInterface
  interface Factory {
    JournalFiles create(Path dataDir) throws IOException;
  }

  /**
   * Real files in {@code dir}.
   *
   * @param dir the data directory (created if absent)
   * @return the files
   */
  static JournalFiles disk(Path dir) throws IOException {
    Files.createDirectories(dir);
    return new Disk(dir);
  }

  /** {@link JournalFiles} on the real file system. */
  final class Disk implements JournalFiles {
    private final Path dir;

    private Disk(Path dir) {
      this.dir = dir;
    }

    @Override
    public LogChannel open(String name) throws IOException {
      FileChannel ch =
          FileChannel.open(
              dir.resolve(name),
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      return new LogChannel() {
        @Override
        public long size() throws IOException {
          return ch.size();
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
          return ch.read(dst, position);
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
          long p = position;
          while (src.hasRemaining()) {
            p += ch.write(src, p);
          }
        }

        @Override
        public void force() throws IOException {
          ch.force(false);
        }

        @Override
        public void truncate(long size) throws IOException {
          ch.truncate(size);
        }

        @Override
        public void close() throws IOException {
          ch.close();
        }
      };
    }

    @Override
    public boolean exists(String name) {
      return Files.exists(dir.resolve(name));
    }

    @Override
    public List<String> list() throws IOException {
      List<String> out = new ArrayList<>();
      try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
        for (Path p : s) {
          if (Files.isRegularFile(p)) {
            out.add(p.getFileName().toString());
          }
        }
      }
      return out;
    }

    @Override
    public byte[] read(String name) throws IOException {
      return Files.readAllBytes(dir.resolve(name));
    }

    @Override
    public void replace(String name, byte[] content) throws IOException {
      Path tmp = dir.resolve(name + ".tmp");
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer b = ByteBuffer.wrap(content);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      Files.move(
          tmp,
          dir.resolve(name),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      syncDirectory();
    }

    @Override
    public void delete(String name) throws IOException {
      Files.deleteIfExists(dir.resolve(name));
    }

    @Override
    public void syncDirectory() throws IOException {
      syncDir(dir);
    }

    @Override
    public String quarantine(String name, String copyName) throws IOException {
      Path q = dir.resolve("quarantine");
      Files.createDirectories(q);
      Path target = q.resolve(copyName);
      Files.copy(dir.resolve(name), target, StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      syncDir(q);
      syncDir(dir);
      return target.toString();
    }

    @Override
    public String describe(String name) {
      return dir.resolve(name).toString();
    }

    private static void syncDir(Path d) throws IOException {
      try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
        ch.force(true);
      }
    }
  }
}
