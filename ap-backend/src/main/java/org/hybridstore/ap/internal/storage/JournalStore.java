package org.hybridstore.ap.internal.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hybridstore.CorruptDataException;
import org.hybridstore.StoreUnavailableException;
import org.jspecify.annotations.Nullable;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's journal: one MapDB file with the write-ahead log on ({@code transactionEnable()}).
 *
 * <p>Layout: {@code <dataDir>/CURRENT} holds the generation {@code g} of the live file
 * {@code <dataDir>/journal-<g>.db} (MapDB adds {@code journal-<g>.db.wal.<n>} next to it). The file
 * holds four collections, all with MapDB's own serializers for strings, bytes and longs (never Java
 * serialization):
 *
 * <ul>
 *   <li>{@code records}: order id to the encoded record (the replica);
 *   <li>{@code backlogById} / {@code backlogBySeq}: the reconcile backlog, order id to the sequence
 *       number of its oldest unconfirmed change and back, so it can be read oldest first;
 *   <li>{@code meta}: counters by name ({@link #FORMAT}, mirror revision, write counter, the last
 *       clock reading, the next backlog sequence number).
 * </ul>
 *
 * <p>Concurrency: one thread, the backend's writer, calls every mutating method and
 * {@link #commit()}; {@link #get} may be called from any thread. MapDB has one global transaction
 * per file, so readers can see uncommitted puts: the writer shields them (see {@code
 * GroupCommitWriter}). A read/write lock keeps readers off the file while it is {@linkplain
 * #maybeRotate rotated}.
 *
 * <p>Size: StoreWAL's {@code compact()} is a no-op in MapDB 3.1.0, so free space is reclaimed by
 * rotation instead: when the file exceeds {@link StorageOptions#rotateThresholdBytes()} and is more
 * than twice the live data, the live data is copied into generation {@code g+1}, {@code CURRENT} is
 * switched atomically, and the old file is deleted. A crash before the switch leaves the old
 * generation live; leftovers of other generations are deleted at the next start.
 */
public final class JournalStore implements AutoCloseable {
  /** Meta key of the file format; {@link #FORMAT_VERSION} for this build. */
  public static final String FORMAT = "format";
  /** The file format this build writes and reads. */
  public static final long FORMAT_VERSION = 1;
  /** Name of the pointer file that holds the live generation. */
  public static final String CURRENT = "CURRENT";

  private static final Logger LOG = LoggerFactory.getLogger(JournalStore.class);
  private static final Pattern JOURNAL_FILE = Pattern.compile("journal-(\\d+)\\.db(\\..*)?");
  private static final String NEXT_BACKLOG_SEQ = "backlog.nextSeq";
  private static final long ROTATE_CHUNK_BYTES = 8L << 20;

  private final Path dataDir;
  private final StorageOptions options;
  private final ReentrantReadWriteLock rotationLock = new ReentrantReadWriteLock();
  private long generation;
  private Path file;
  private Handles h;
  private long liveBytes;
  private long nextBacklogSeq;
  private boolean backlogSeqDirty;
  private long rotations;
  private boolean warnedLiveData;
  private volatile boolean closed;

  /** The open MapDB file and its collections. */
  private record Handles(DB db, HTreeMap<String, byte[]> records, HTreeMap<String, Long> backlogById,
      BTreeMap<Long, String> backlogBySeq, HTreeMap<String, Long> meta) {}

  private JournalStore(Path dataDir, StorageOptions options, long generation, Handles handles) {
    this.dataDir = dataDir;
    this.options = options;
    this.generation = generation;
    this.file = journalFile(dataDir, generation);
    this.h = handles;
    this.nextBacklogSeq = meta(NEXT_BACKLOG_SEQ);
  }

  /**
   * Opens the journal in {@code dataDir}, creating it if the directory holds none. Never resets an
   * existing file: anything unreadable is reported.
   *
   * @param dataDir the node's data directory
   * @param options file settings
   * @return the open journal
   * @throws CorruptDataException naming the file if it is corrupt, unreadable or of an unknown
   *     format (move the data directory aside to recover, see docs/local-journal.md)
   * @throws StoreUnavailableException if the directory cannot be created or the file is locked by
   *     another process
   */
  public static JournalStore open(Path dataDir, StorageOptions options) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new StoreUnavailableException("cannot create the journal directory " + dataDir, e);
    }
    Path current = dataDir.resolve(CURRENT);
    if (!Files.exists(current)) {
      List<Path> strays = journalFiles(dataDir);
      if (!strays.isEmpty()) {
        throw new CorruptDataException(current + " is missing but the directory holds journal files " + strays
            + "; refusing to start over them. If this node never started successfully, delete them; otherwise"
            + " move the data directory aside (see docs/local-journal.md)");
      }
      Handles created = openDb(journalFile(dataDir, 1), options, true);
      created.meta().put(FORMAT, FORMAT_VERSION);
      created.db().commit();
      writeCurrent(dataDir, 1);
      LOG.info("created journal {}", journalFile(dataDir, 1));
      return new JournalStore(dataDir, options, 1, created);
    }
    long gen = readCurrent(current);
    Path f = journalFile(dataDir, gen);
    if (!Files.isRegularFile(f)) {
      throw new CorruptDataException("journal file " + f + " named by " + current + " is missing; move the data"
          + " directory aside to start empty (see docs/local-journal.md)");
    }
    try {
      if (Files.size(f) == 0) {
        throw new CorruptDataException("journal file " + f + " is empty; move the data directory aside to start"
            + " empty (see docs/local-journal.md)");
      }
    } catch (IOException e) {
      throw new CorruptDataException("journal file " + f + " is unreadable: " + e, e);
    }
    Handles opened = openDb(f, options, false);
    JournalStore store = new JournalStore(dataDir, options, gen, opened);
    try {
      Long format = opened.meta().get(FORMAT);
      if (format == null || format != FORMAT_VERSION) {
        throw new CorruptDataException("journal file " + f + " has format " + format + ", this build reads format "
            + FORMAT_VERSION);
      }
      store.deleteOtherGenerations();
      return store;
    } catch (RuntimeException e) {
      store.closeQuietly();
      throw e instanceof CorruptDataException c ? c : corrupt(f, e);
    }
  }

  private static Handles openDb(Path f, StorageOptions options, boolean create) {
    DB db;
    try {
      DBMaker.Maker maker = DBMaker.fileDB(f.toFile()).transactionEnable();
      if (options.mmap()) {
        maker = maker.fileMmapEnableIfSupported().cleanerHackEnable();
      }
      db = maker.make();
    } catch (DBException.FileLocked e) {
      throw new StoreUnavailableException("journal file " + f + " is locked by another process", e);
    } catch (RuntimeException | java.io.IOError | AssertionError e) {
      throw corrupt(f, e);
    }
    try {
      if (!create) {
        for (String name : List.of("records", "backlogById", "backlogBySeq", "meta")) {
          if (!db.exists(name)) {
            throw new CorruptDataException("journal file " + f + " lacks the collection '" + name
                + "': not a HybridStore journal or damaged");
          }
        }
      }
      HTreeMap<String, byte[]> records =
          db.hashMap("records", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
      HTreeMap<String, Long> backlogById = db.hashMap("backlogById", Serializer.STRING, Serializer.LONG).createOrOpen();
      BTreeMap<Long, String> backlogBySeq = db.treeMap("backlogBySeq", Serializer.LONG, Serializer.STRING).createOrOpen();
      HTreeMap<String, Long> meta = db.hashMap("meta", Serializer.STRING, Serializer.LONG).createOrOpen();
      return new Handles(db, records, backlogById, backlogBySeq, meta);
    } catch (RuntimeException e) {
      try {
        db.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e instanceof CorruptDataException c ? c : corrupt(f, e);
    }
  }

  private static CorruptDataException corrupt(Path f, Throwable e) {
    return new CorruptDataException("journal file " + f + " is corrupt or unreadable (" + e
        + "); it was not modified. Move the data directory aside and restart: the node refills from etcd and"
        + " its peers (see docs/local-journal.md)", e);
  }

  /** Returns the live journal file. */
  public Path file() {
    return file;
  }

  /** Returns the live generation. */
  public long generation() {
    return generation;
  }

  /** Returns how many times the file was rotated since it was opened. */
  public long rotations() {
    return rotations;
  }

  /** Returns the live file's size in bytes. */
  public long fileBytes() {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Visits every record; writer thread only (used at start to validate and index the replica).
   * Also recomputes the live data size.
   *
   * @param each receives order id and encoded record
   */
  public void forEachRecord(BiConsumer<String, byte[]> each) {
    long total = 0;
    for (Map.Entry<String, byte[]> e : h.records().getEntries()) {
      total += e.getKey().length() + e.getValue().length;
      each.accept(e.getKey(), e.getValue());
    }
    liveBytes = total;
  }

  /**
   * Reads one encoded record; any thread.
   *
   * @param orderId the order
   * @return the bytes, or null
   */
  public byte @Nullable [] get(String orderId) {
    rotationLock.readLock().lock();
    try {
      checkOpen();
      return h.records().get(orderId);
    } finally {
      rotationLock.readLock().unlock();
    }
  }

  /**
   * Puts a record into the current transaction; writer thread only.
   *
   * @param orderId the order
   * @param bytes the encoded record
   */
  public void put(String orderId, byte[] bytes) {
    byte[] old = h.records().put(orderId, bytes);
    liveBytes += bytes.length - (old == null ? -orderId.length() : old.length);
  }

  /**
   * Adds an order to the backlog unless it is there already (it keeps its original position);
   * writer thread only.
   *
   * @param orderId the order
   */
  public void addToBacklog(String orderId) {
    addToBacklog(orderId, false);
  }

  /**
   * Adds an order to the backlog; writer thread only.
   *
   * @param orderId the order
   * @param certainlyAbsent the caller knows the order is not in the backlog (it is not in the
   *     replica yet), which saves a lookup
   */
  public void addToBacklog(String orderId, boolean certainlyAbsent) {
    if (!certainlyAbsent && h.backlogById().containsKey(orderId)) {
      return;
    }
    long seq = ++nextBacklogSeq;
    backlogSeqDirty = true;
    h.backlogById().put(orderId, seq);
    h.backlogBySeq().put(seq, orderId);
  }

  /**
   * Removes an order from the backlog; writer thread only.
   *
   * @param orderId the order
   * @return whether it was there
   */
  public boolean removeFromBacklog(String orderId) {
    Long seq = h.backlogById().remove(orderId);
    if (seq == null) {
      return false;
    }
    h.backlogBySeq().remove(seq);
    return true;
  }

  /**
   * Returns whether the order is in the backlog.
   *
   * @param orderId the order
   * @return whether it is
   */
  public boolean inBacklog(String orderId) {
    rotationLock.readLock().lock();
    try {
      checkOpen();
      return h.backlogById().containsKey(orderId);
    } finally {
      rotationLock.readLock().unlock();
    }
  }

  /**
   * Returns up to {@code max} backlog order ids, oldest first; any thread.
   *
   * @param max how many at most
   * @return the ids
   */
  public List<String> backlogOldest(int max) {
    rotationLock.readLock().lock();
    try {
      checkOpen();
      List<String> out = new ArrayList<>(Math.min(max, 1024));
      for (String id : h.backlogBySeq().values()) {
        if (out.size() >= max) {
          break;
        }
        out.add(id);
      }
      return out;
    } finally {
      rotationLock.readLock().unlock();
    }
  }

  /** Returns the number of backlog entries; any thread. */
  public int backlogSize() {
    rotationLock.readLock().lock();
    try {
      checkOpen();
      return h.backlogById().size();
    } finally {
      rotationLock.readLock().unlock();
    }
  }

  /**
   * Reads a counter (0 if never set).
   *
   * @param key the counter
   * @return its value
   */
  public long meta(String key) {
    Long v = h.meta().get(key);
    return v == null ? 0 : v;
  }

  /**
   * Sets a counter in the current transaction; writer thread only.
   *
   * @param key the counter
   * @param value its value
   */
  public void setMeta(String key, long value) {
    h.meta().put(key, value);
  }

  /**
   * Commits the transaction: when this returns, every put since the last commit is on disk (MapDB
   * syncs the write-ahead log). Writer thread only.
   */
  public void commit() {
    if (backlogSeqDirty) {
      h.meta().put(NEXT_BACKLOG_SEQ, nextBacklogSeq);
      backlogSeqDirty = false;
    }
    h.db().commit();
  }

  /** Drops the uncommitted changes; writer thread only. */
  public void rollback() {
    h.db().rollback();
    nextBacklogSeq = meta(NEXT_BACKLOG_SEQ);
    backlogSeqDirty = false;
  }

  /** Returns the approximate size of the live data (keys and encoded records) in bytes. */
  public long liveBytes() {
    return liveBytes;
  }

  /**
   * Rotates the file if it is over the threshold and more than twice the live data; writer thread
   * only, right after a commit (there must be no uncommitted change).
   *
   * @return whether it rotated
   */
  public boolean maybeRotate() {
    long size = fileBytes();
    if (size < options.rotateThresholdBytes() || size <= 2 * liveBytes + (1L << 20)) {
      if (size >= options.rotateThresholdBytes() && !warnedLiveData) {
        warnedLiveData = true;
        LOG.warn("journal {} holds {} bytes of live data, over the rotation threshold {}; rotation cannot shrink"
            + " it", file, liveBytes, options.rotateThresholdBytes());
      }
      return false;
    }
    rotate();
    return true;
  }

  /** Copies the live data to the next generation and switches to it; writer thread only. */
  public void rotate() {
    long next = generation + 1;
    Path nextFile = journalFile(dataDir, next);
    deleteGeneration(next);
    Handles target = openDb(nextFile, options, true);
    try {
      long chunk = 0;
      for (Map.Entry<String, byte[]> e : h.records().getEntries()) {
        target.records().put(e.getKey(), e.getValue());
        chunk += e.getValue().length;
        if (chunk > ROTATE_CHUNK_BYTES) {
          target.db().commit();
          chunk = 0;
        }
      }
      target.backlogById().putAll(h.backlogById());
      target.backlogBySeq().putAll(h.backlogBySeq());
      target.meta().putAll(h.meta());
      target.db().commit();
    } catch (RuntimeException e) {
      target.db().close();
      deleteGeneration(next);
      throw e;
    }
    Path previousFile = file;
    rotationLock.writeLock().lock();
    try {
      writeCurrent(dataDir, next);
      Handles previous = h;
      h = target;
      generation = next;
      file = nextFile;
      previous.db().close();
    } finally {
      rotationLock.writeLock().unlock();
    }
    rotations++;
    deleteGeneration(next - 1);
    LOG.info("rotated journal {} into {} ({} bytes live)", previousFile, nextFile, liveBytes);
  }

  private void deleteOtherGenerations() {
    for (Path p : journalFiles(dataDir)) {
      Matcher m = JOURNAL_FILE.matcher(p.getFileName().toString());
      if (m.matches() && Long.parseLong(m.group(1)) != generation) {
        delete(p);
      }
    }
  }

  private void deleteGeneration(long gen) {
    for (Path p : journalFiles(dataDir)) {
      Matcher m = JOURNAL_FILE.matcher(p.getFileName().toString());
      if (m.matches() && Long.parseLong(m.group(1)) == gen) {
        delete(p);
      }
    }
  }

  private static void delete(Path p) {
    try {
      Files.deleteIfExists(p);
      LOG.info("deleted stale journal file {}", p);
    } catch (IOException e) {
      LOG.warn("could not delete stale journal file {}: {}", p, e.toString());
    }
  }

  private static List<Path> journalFiles(Path dir) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "journal-*")) {
      s.forEach(out::add);
    } catch (IOException e) {
      throw new StoreUnavailableException("cannot list the journal directory " + dir, e);
    }
    return out;
  }

  /**
   * Returns the path of a generation's file.
   *
   * @param dataDir the data directory
   * @param generation the generation
   * @return the path
   */
  public static Path journalFile(Path dataDir, long generation) {
    return dataDir.resolve("journal-" + generation + ".db");
  }

  /**
   * Returns the live journal file of a data directory as named by {@code CURRENT}, for tools and
   * tests.
   *
   * @param dataDir the data directory
   * @return the file
   * @throws CorruptDataException if {@code CURRENT} is missing or malformed
   */
  public static Path currentFile(Path dataDir) {
    return journalFile(dataDir, readCurrent(dataDir.resolve(CURRENT)));
  }

  private static long readCurrent(Path current) {
    String text;
    try {
      text = Files.readString(current, StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      throw new CorruptDataException(current + " is unreadable: " + e, e);
    }
    try {
      long gen = Long.parseLong(text);
      if (gen < 1) {
        throw new NumberFormatException("generation " + gen);
      }
      return gen;
    } catch (NumberFormatException e) {
      throw new CorruptDataException(current + " does not hold a journal generation: '" + text + "'", e);
    }
  }

  private static void writeCurrent(Path dataDir, long gen) {
    Path tmp = dataDir.resolve(CURRENT + ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ch.write(ByteBuffer.wrap((gen + "\n").getBytes(StandardCharsets.US_ASCII)));
        ch.force(true);
      }
      Files.move(tmp, dataDir.resolve(CURRENT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel dir = FileChannel.open(dataDir, StandardOpenOption.READ)) {
        dir.force(true);
      } catch (IOException directoryFsyncUnsupported) {
        // Some file systems cannot fsync a directory; the rename is still atomic.
      }
    } catch (IOException e) {
      throw new StoreUnavailableException("cannot write " + dataDir.resolve(CURRENT), e);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("journal " + file + " is closed");
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (RuntimeException e) {
      LOG.debug("close after a failed open", e);
    }
  }

  /** Closes the file (uncommitted changes are dropped by MapDB's WAL on the next open). */
  @Override
  public void close() {
    rotationLock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        h.db().close();
      }
    } finally {
      rotationLock.writeLock().unlock();
    }
  }
}
