package org.hybridstore.ap.internal.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A disk that can lose power, in the spirit of LazyFS (which Jepsen uses to lose unsynced writes):
 * every file keeps what was forced apart from what was only written, and every creation or deletion
 * apart from what a directory sync made durable. {@link #powerCut} forgets what was not durable
 * (keeping, at random, an in-order prefix of a file's unsynced appends, as a disk that wrote part
 * of them would). {@link #dieAfter} makes the machine stop after a number of operations: every
 * later operation throws, as if the process and its disk were gone.
 *
 * <p>Thread-safe (one lock); the journal's writer thread and the test thread both use it.
 */
public final class SimulatedDisk implements JournalFiles, JournalFiles.Factory {
  /**
   * One file: its current bytes, and how much of them is durable. While writes only append past the
   * durable length, the durable content is a prefix of the current one; a write or cut below it
   * first keeps a copy of the durable bytes.
   */
  private static final class SimFile {
    byte[] buf = new byte[0];
    int len;
    int durableLen;
    byte @org.jspecify.annotations.Nullable [] durableCopy;
    boolean exists = true;
    boolean durablyExists;

    byte[] current() {
      return Arrays.copyOf(buf, len);
    }

    byte[] durable() {
      return durableCopy != null ? durableCopy.clone() : Arrays.copyOf(buf, durableLen);
    }

    /** Replaces the content, durably. */
    void set(byte[] content) {
      buf = content.clone();
      len = content.length;
      durableCopy = null;
      durableLen = len;
    }

    void beforeChangeBelow(long position) {
      if (position < durableLen && durableCopy == null) {
        durableCopy = Arrays.copyOf(buf, durableLen);
      }
    }

    void write(ByteBuffer src, long position) {
      beforeChangeBelow(position);
      int n = src.remaining();
      int end = (int) (position + n);
      if (end > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(end, buf.length * 2));
      }
      if (position > len) {
        Arrays.fill(buf, len, (int) position, (byte) 0);
      }
      src.get(buf, (int) position, n);
      len = Math.max(len, end);
    }

    void truncate(long size) {
      if (size < len) {
        beforeChangeBelow(size);
        len = (int) size;
      }
    }

    void force() {
      durableCopy = null;
      durableLen = len;
    }
  }

  private final Map<String, SimFile> files = new LinkedHashMap<>();
  private final List<String> quarantined = new ArrayList<>();
  private long operations;
  private long dieAt = Long.MAX_VALUE;
  private long failForceAt = -1;
  private boolean dead;

  @Override
  public JournalFiles create(Path dataDir) {
    return this;
  }

  /**
   * Stops the machine after {@code n} more operations (writes, forces, truncations, renames,
   * deletions, syncs).
   */
  public synchronized void dieAfter(long n) {
    dieAt = n > Long.MAX_VALUE - operations ? Long.MAX_VALUE : operations + n;
  }

  /** Makes the {@code n}-th force from now fail once with an I/O error (the disk stays alive). */
  public synchronized void failForceAfter(long n) {
    failForceAt = forces + n;
  }

  /** Makes every force fail with an I/O error until called with false (a disk that went bad). */
  public synchronized void failAllForces(boolean fail) {
    failAllForces = fail;
  }

  private long forces;
  private boolean failAllForces;

  /** Whether the machine has stopped. */
  public synchronized boolean dead() {
    return dead;
  }

  /** Counts operations so far (to choose a cut point). */
  public synchronized long operations() {
    return operations;
  }

  /**
   * The power goes: everything not durable is forgotten; then the machine restarts.
   *
   * @param random chooses how much of each file's unsynced appends the disk had written
   */
  public synchronized void powerCut(Random random) {
    files.values().removeIf(f -> !f.durablyExists);
    for (SimFile f : files.values()) {
      f.exists = true;
      byte[] keep = f.durable();
      if (f.durableCopy == null && f.len > f.durableLen && random.nextBoolean()) {
        // Only appends since the last force: the disk may have written an in-order part of them.
        int extra = random.nextInt(f.len - f.durableLen + 1);
        keep = Arrays.copyOf(f.buf, f.durableLen + extra);
      }
      f.set(keep);
    }
    dead = false;
    dieAt = Long.MAX_VALUE;
  }

  /** Returns the current bytes of a file (for tests that damage it). */
  public synchronized byte[] bytes(String name) {
    return live(name).current();
  }

  /** Replaces the bytes of a file durably (for tests that damage it). */
  public synchronized void damage(String name, byte[] content) {
    live(name).set(content);
  }

  /** Names of the copies made by {@link #quarantine}. */
  public synchronized List<String> quarantined() {
    return List.copyOf(quarantined);
  }

  private void step() throws IOException {
    if (dead || operations >= dieAt) {
      dead = true;
      throw new IOException("simulated power cut");
    }
    operations++;
  }

  private SimFile live(String name) {
    SimFile f = files.get(name);
    if (f == null || !f.exists) {
      throw new IllegalArgumentException("no file " + name);
    }
    return f;
  }

  @Override
  public synchronized LogChannel open(String name) throws IOException {
    step();
    SimFile existing = files.get(name);
    if (existing == null || !existing.exists) {
      SimFile f = new SimFile();
      f.durablyExists = existing != null && existing.durablyExists;
      files.put(name, f);
    }
    SimFile f = files.get(name);
    return new LogChannel() {
      private boolean closed;

      @Override
      public long size() throws IOException {
        synchronized (SimulatedDisk.this) {
          check();
          return f.len;
        }
      }

      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        synchronized (SimulatedDisk.this) {
          check();
          if (position >= f.len) {
            return -1;
          }
          int n = (int) Math.min(dst.remaining(), f.len - position);
          dst.put(f.buf, (int) position, n);
          return n;
        }
      }

      @Override
      public void write(ByteBuffer src, long position) throws IOException {
        synchronized (SimulatedDisk.this) {
          check();
          step();
          f.write(src, position);
        }
      }

      @Override
      public void force() throws IOException {
        synchronized (SimulatedDisk.this) {
          check();
          step();
          if (forces++ == failForceAt || failAllForces) {
            throw new IOException("simulated fsync failure");
          }
          f.force();
        }
      }

      @Override
      public void truncate(long size) throws IOException {
        synchronized (SimulatedDisk.this) {
          check();
          step();
          f.truncate(size);
        }
      }

      @Override
      public void close() {
        closed = true;
      }

      private void check() throws IOException {
        if (closed) {
          throw new IOException("channel closed");
        }
        if (dead) {
          throw new IOException("simulated power cut");
        }
      }
    };
  }

  @Override
  public synchronized boolean exists(String name) throws IOException {
    if (dead) {
      throw new IOException("simulated power cut");
    }
    SimFile f = files.get(name);
    return f != null && f.exists;
  }

  @Override
  public synchronized List<String> list() throws IOException {
    if (dead) {
      throw new IOException("simulated power cut");
    }
    List<String> out = new ArrayList<>();
    files.forEach(
        (n, f) -> {
          if (f.exists) {
            out.add(n);
          }
        });
    return out;
  }

  @Override
  public synchronized byte[] read(String name) throws IOException {
    if (dead) {
      throw new IOException("simulated power cut");
    }
    SimFile f = files.get(name);
    if (f == null || !f.exists) {
      throw new NoSuchFileException(name);
    }
    return f.current();
  }

  @Override
  public synchronized void replace(String name, byte[] content) throws IOException {
    step();
    SimFile f = new SimFile();
    f.set(content);
    files.put(name, f);
    syncAll();
  }

  @Override
  public synchronized void delete(String name) throws IOException {
    step();
    SimFile f = files.get(name);
    if (f != null) {
      f.exists = false;
    }
  }

  @Override
  public synchronized void syncDirectory() throws IOException {
    step();
    syncAll();
  }

  private void syncAll() {
    files.values().removeIf(f -> !f.exists);
    files.values().forEach(f -> f.durablyExists = true);
  }

  @Override
  public synchronized String quarantine(String name, String copyName) throws IOException {
    step();
    SimFile f = live(name);
    SimFile copy = new SimFile();
    copy.set(f.current());
    copy.durablyExists = true;
    files.put("quarantine-" + copyName, copy);
    quarantined.add("quarantine-" + copyName);
    return "quarantine-" + copyName;
  }

  @Override
  public String describe(String name) {
    return "sim:" + name;
  }
}
