package org.hybridstore.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What both kinds of member share: the name, the log file with a marker line at every start, and a
 * restart that is a kill and a start under one lock (so no other call sees the member half
 * restarted).
 */
abstract class AbstractEtcdNode implements EtcdNode {

  protected final String name;
  protected final Path logFile;
  protected final ReentrantLock lock = new ReentrantLock();

  AbstractEtcdNode(String name, Path logFile) {
    this.name = name;
    this.logFile = logFile;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final Path logFile() {
    return logFile;
  }

  @Override
  public final void restart() {
    lock.lock();
    try {
      kill();
      start();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public final String logTail(int lines) {
    return LogFiles.tail(logFile, lines);
  }

  /** Appends the line that marks a start in the log: where it runs and the whole command. */
  protected final void markStart(String where, List<String> command) throws IOException {
    LogFiles.append(
        logFile,
        "=== hybridstore-testkit: starting etcd "
            + name
            + where
            + " at "
            + Instant.now()
            + ": "
            + String.join(" ", command)
            + System.lineSeparator());
  }
}
