package org.hybridstore.cp.testing;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every process, temporary directory and network namespace set the fixture creates, so that one JVM
 * shutdown hook can remove whatever a crashed or interrupted test left behind. Thread-safe.
 */
final class ChildProcesses {
  private static final Set<Process> PROCESSES = ConcurrentHashMap.newKeySet();
  private static final Set<Path> DIRECTORIES = ConcurrentHashMap.newKeySet();
  private static final Set<AutoCloseable> CLEANUPS = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(ChildProcesses::cleanUp, "etcd-fixture-cleanup"));
  }

  private ChildProcesses() {}

  static void register(Process p) {
    PROCESSES.add(p);
  }

  static void unregister(Process p) {
    PROCESSES.remove(p);
  }

  static void registerCleanup(AutoCloseable c) {
    CLEANUPS.add(c);
  }

  static void unregisterCleanup(AutoCloseable c) {
    CLEANUPS.remove(c);
  }

  static void registerDirectory(Path dir) {
    DIRECTORIES.add(dir);
  }

  static void unregisterDirectory(Path dir) {
    DIRECTORIES.remove(dir);
  }

  private static void cleanUp() {
    for (Process p : PROCESSES) {
      p.destroyForcibly();
    }
    for (Path dir : DIRECTORIES) {
      deleteRecursively(dir);
    }
    for (AutoCloseable c : CLEANUPS) {
      try {
        c.close();
      } catch (Exception e) {
        // best effort during JVM exit
      }
    }
  }

  /** Deletes a directory tree, ignoring what cannot be deleted. */
  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
              Files.deleteIfExists(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      // best effort: a temp dir left behind is not worth failing a test for
    }
  }
}
