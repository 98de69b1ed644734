package org.hybridstore.ap.internal.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hybridstore.CorruptDataException;
import org.hybridstore.StoreUnavailableException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's journal: an append-only, checksummed log that is the source of truth ({@link
 * WriteAheadLog}), and a MapDB index derived from it ({@link JournalIndex}).
 *
 * <p>Files in the data directory:
 *
 * <ul>
 *   <li>{@code CURRENT}: the live generation {@code g}, replaced atomically (write, fsync, rename,
 *       fsync the directory);
 *   <li>{@code log-<g>.wal}: the log of generation {@code g};
 *   <li>{@code index.db}: the MapDB index (no MapDB write-ahead log);
 *   <li>{@code index.clean}: present only while the index is known to equal the log up to the
 *       sequence number it holds; written on a clean close, deleted (durably) at start before the
 *       index is touched;
 *   <li>{@code quarantine/}: copies of damaged log files, kept for analysis.
 * </ul>
 *
 * <p>Commit: {@link #commit()} appends the batch's {@link LogOp}s as one log entry and forces the
 * file (one fdatasync per group commit), and only then applies them to the index. So the index
 * never holds anything the log lacks, and a reader never sees a write that is not durable.
 *
 * <p>Start: the log is read entry by entry (checksums, sequence numbers). A torn tail (the remains
 * of a write a crash interrupted, never acknowledged) is cut. If {@code index.clean} is present the
 * index is opened and the entries after its sequence number are applied; otherwise the index is
 * deleted and rebuilt from the whole log. Damage in the middle of the log is never skipped
 * silently: the valid entries on both sides are kept, the damaged file is copied to {@code
 * quarantine/}, the state is compacted into a new generation at once, and {@link #openReport()}
 * says what was found (the backend then re-reads etcd and its peers).
 *
 * <p>Compaction ({@link #maybeRotate}): when the log exceeds {@link
 * StorageOptions#rotateThresholdBytes()} and is more than twice the live data, the state is written
 * as a snapshot into {@code log-<g+1>.wal}, forced, and {@code CURRENT} is switched; only then is
 * the old log deleted. A crash at any step leaves either the old or the new generation whole and
 * named by {@code CURRENT}; files of any other generation are deleted at the next start.
 *
 * <p>Failure: a log write or fsync that fails puts the journal in a failed state: the batch fails
 * (its outcome is unknown), every later commit is refused with {@link StoreUnavailableException}
 * until {@link #recover()} re-reads the log from the disk, cuts what is not valid and resumes.
 *
 * <p>Concurrency: one thread, the backend's writer, calls every mutating method; {@link #get},
 * {@link #inBacklog}, {@link #backlogOldest} and {@link #backlogSize} may be called from any
 * thread. A read/write lock keeps readers off the index while it is replaced.
 */
public final class JournalStore implements AutoCloseable {
  /** Name of the pointer file that holds the live generation. */
  public static final String CURRENT = "CURRENT";

  /** Name of the index's clean marker. */
  static final String INDEX_CLEAN = "index.clean";

  /** Name of the index file. */
  static final String INDEX = "index.db";

  private static final Logger LOG = LoggerFactory.getLogger(JournalStore.class);
  private static final Pattern LOG_FILE = Pattern.compile("log-(\\d+)\\.wal");
  private static final Pattern OLD_FORMAT = Pattern.compile("journal-\\d+\\.db.*");
  private static final String NEXT_BACKLOG_SEQ = "backlog.nextSeq";
  private static final int SNAPSHOT_CHUNK_BYTES = 1 << 20;
  private static final long REMOVED = Long.MIN_VALUE;

  private final Path dataDir;
  private final StorageOptions options;
  private final JournalFiles files;
  private final ReentrantReadWriteLock indexLock = new ReentrantReadWriteLock();
  private WriteAheadLog wal;
  private JournalIndex index;
  private long appliedLsn;
  private long liveBytes;
  private long nextBacklogSeq;
  private long rotations;
  private boolean warnedLiveData;
  private volatile boolean closed;
  private volatile @Nullable String failure;
  private volatile boolean indexSuspect;
  private final OpenReport report;
  private long failures;
  private long recoveries;
  private long indexRebuilds;

  // The batch being built: ops in order, and overlays for the writer's own lookups.
  private final List<LogOp> pending = new ArrayList<>();
  private int pendingBytes;
  private final Map<String, Long> pendingBacklog = new HashMap<>();
  private final Map<String, Long> pendingMeta = new HashMap<>();

  /**
   * What opening the journal found.
   *
   * @param created whether the journal was created (the directory held none)
   * @param indexRebuilt whether the index was rebuilt from the log (no clean close before)
   * @param entriesReplayed log entries applied to the index at start
   * @param tornBytes bytes of a torn tail cut from the log
   * @param damage damaged regions found in the log (empty if none)
   * @param quarantined where the damaged log was copied, or null
   */
  public record OpenReport(
      boolean created,
      boolean indexRebuilt,
      long entriesReplayed,
      long tornBytes,
      List<String> damage,
      @Nullable String quarantined) {
    /** Whether the log was damaged (something acknowledged may be gone from this node). */
    public boolean damaged() {
      return !damage.isEmpty();
    }
  }

  private JournalStore(
      Path dataDir,
      StorageOptions options,
      JournalFiles files,
      WriteAheadLog wal,
      JournalIndex index,
      long appliedLsn,
      OpenReport report) {
    this.dataDir = dataDir;
    this.options = options;
    this.files = files;
    this.wal = wal;
    this.index = index;
    this.appliedLsn = appliedLsn;
    this.report = report;
    Long seq = index.meta(NEXT_BACKLOG_SEQ);
    this.nextBacklogSeq = seq == null ? 0 : seq;
    this.indexRebuilds = report.indexRebuilt() && !report.created() ? 1 : 0;
  }

  /**
   * Opens the journal in {@code dataDir}, creating it if the directory holds none. Recovers from a
   * crash by construction (a torn tail is cut, the index rebuilt); heals a damaged log by keeping
   * every valid entry, quarantining a copy and compacting, and reports it in {@link #openReport()}.
   *
   * @param dataDir the node's data directory
   * @param options file settings
   * @return the open journal
   * @throws CorruptDataException if the directory holds a journal this build cannot read (an older
   *     format, or log files without {@code CURRENT}), naming the files; nothing is modified
   * @throws StoreUnavailableException if the directory or its files cannot be read or written
   */
  public static JournalStore open(Path dataDir, StorageOptions options) {
    JournalFiles files;
    try {
      java.nio.file.Files.createDirectories(
          dataDir); // the index lives there whatever the log's seam
      files = options.files().create(dataDir);
    } catch (IOException e) {
      throw new StoreUnavailableException("cannot open the journal directory " + dataDir, e);
    }
    try {
      return open(dataDir, options, files);
    } catch (IOException e) {
      throw new StoreUnavailableException(
          "cannot read or write the journal in " + dataDir + ": " + e, e);
    }
  }

  private static JournalStore open(Path dataDir, StorageOptions options, JournalFiles files)
      throws IOException {
    List<String> names = files.list();
    List<String> oldFormat = names.stream().filter(n -> OLD_FORMAT.matcher(n).matches()).toList();
    if (!oldFormat.isEmpty()) {
      throw new CorruptDataException(
          "journal files "
              + oldFormat
              + " in "
              + dataDir
              + " are of format 1 (MapDB's"
              + " write-ahead log), which this build does not read; move the data directory aside and restart: the node"
              + " refills from etcd and its peers (see docs/local-journal.md)");
    }
    Path indexFile = dataDir.resolve(INDEX);
    if (!files.exists(CURRENT)) {
      List<String> logs = names.stream().filter(n -> LOG_FILE.matcher(n).matches()).toList();
      for (String l : logs) {
        if (sizeOf(files, l) > WriteAheadLog.FILE_HEADER_BYTES) {
          throw new CorruptDataException(
              files.describe(CURRENT)
                  + " is missing but the directory holds the journal"
                  + " log "
                  + files.describe(l)
                  + "; refusing to start over it. Move the data directory aside (see"
                  + " docs/local-journal.md)");
        }
        files.delete(
            l); // a creation that crashed before CURRENT was written: nothing was acknowledged
      }
      WriteAheadLog wal = WriteAheadLog.create(files, logName(1), 1, 0);
      files.syncDirectory();
      files.replace(CURRENT, "1\n".getBytes(StandardCharsets.US_ASCII));
      JournalIndex index = JournalIndex.create(indexFile, options.mmap());
      LOG.info("created journal {}", files.describe(logName(1)));
      return new JournalStore(
          dataDir,
          options,
          files,
          wal,
          index,
          0,
          new OpenReport(true, true, 0, 0, List.of(), null));
    }
    long gen = readCurrent(files);
    for (String n : names) {
      Matcher m = LOG_FILE.matcher(n);
      if ((m.matches() && Long.parseLong(m.group(1)) != gen) || n.endsWith(".tmp")) {
        files.delete(n); // the old generation of a finished compaction, or the new one of a cut one
        LOG.info("deleted stale journal file {}", files.describe(n));
      }
    }
    files.syncDirectory();
    List<String> damage = new ArrayList<>();
    String name = logName(gen);
    boolean logExists = files.exists(name);
    if (!logExists) {
      damage.add(files.describe(name) + ", named by " + CURRENT + ", is missing");
    }
    // The index can be trusted only if it was closed cleanly; the marker goes before it is touched.
    long cleanLsn = -1;
    if (files.exists(INDEX_CLEAN)) {
      cleanLsn = readLsn(files);
      files.delete(INDEX_CLEAN);
      files.syncDirectory();
    }
    long baseLsn = damage.isEmpty() ? readBaseLsn(files, name, gen) : -1;
    JournalIndex index = null;
    if (cleanLsn >= 0 && baseLsn >= 0 && cleanLsn >= baseLsn) {
      try {
        index = JournalIndex.open(indexFile, options.mmap());
      } catch (RuntimeException e) {
        LOG.warn(
            "journal index {} did not open ({}); rebuilding it from the log",
            indexFile,
            e.toString());
      }
    }
    boolean rebuilt = index == null;
    if (index == null) {
      index = JournalIndex.create(indexFile, options.mmap());
      cleanLsn = -1;
    }
    long[] applied = {cleanLsn < 0 ? 0 : cleanLsn};
    long[] replayed = {0};
    WriteAheadLog wal;
    long torn = 0;
    try {
      if (damage.isEmpty()) {
        JournalIndex target = index;
        long from = cleanLsn;
        WriteAheadLog.Opened opened =
            WriteAheadLog.open(
                files,
                name,
                gen,
                (kind, lsn, ops) -> {
                  if (from < 0 || (kind == WriteAheadLog.BATCH && lsn > from)) {
                    for (LogOp op : LogOp.decodeAll(ops)) {
                      target.apply(op);
                    }
                    replayed[0]++;
                  }
                  if (kind == WriteAheadLog.BATCH) {
                    applied[0] = Math.max(applied[0], lsn);
                  }
                });
        wal = opened.log();
        torn = opened.scan().tornBytes();
        damage.addAll(opened.scan().damage());
        if (!opened.scan().snapshotComplete()) {
          damage.add(files.describe(name) + " ends inside its snapshot");
        }
        applied[0] = Math.max(applied[0], opened.scan().lastLsn());
      } else {
        wal = WriteAheadLog.create(files, name, gen, 0);
      }
    } catch (IOException | RuntimeException e) {
      index.close();
      throw e;
    }
    if (torn > 0) {
      LOG.info(
          "journal {}: cut a torn tail of {} bytes (a write the crash interrupted, never acknowledged)",
          files.describe(name),
          torn);
    }
    String quarantined = null;
    if (!damage.isEmpty() && logExists) {
      quarantined = files.quarantine(name, name + "-" + System.currentTimeMillis());
    }
    OpenReport report =
        new OpenReport(false, rebuilt, replayed[0], torn, List.copyOf(damage), quarantined);
    JournalStore store = new JournalStore(dataDir, options, files, wal, index, applied[0], report);
    if (!damage.isEmpty()) {
      LOG.error(
          "journal {} is damaged: {}. Kept every valid entry; {}; compacting into a new generation. Writes"
              + " held only in the damaged part are gone from this node: it re-reads etcd and its peers",
          files.describe(name),
          damage,
          quarantined == null
              ? "the log file is missing, nothing to quarantine"
              : "the damaged file is copied to " + quarantined);
      try {
        store.rotate();
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
    }
    return store;
  }

  private static long sizeOf(JournalFiles files, String name) throws IOException {
    try (LogChannel ch = files.open(name)) {
      return ch.size();
    }
  }

  /** The header's base sequence number, or -1 if the header is not readable. */
  private static long readBaseLsn(JournalFiles files, String name, long gen) throws IOException {
    try (LogChannel ch = files.open(name)) {
      ByteBuffer h = ByteBuffer.allocate(WriteAheadLog.FILE_HEADER_BYTES);
      while (h.hasRemaining()) {
        if (ch.read(h, h.position()) < 0) {
          return -1;
        }
      }
      byte[] head = new byte[24];
      h.get(0, head);
      boolean ok =
          h.getLong(0) == WriteAheadLog.FILE_MAGIC
              && h.getLong(8) == gen
              && h.getInt(24) == WriteAheadLog.crc(head, 0, 24);
      return ok ? h.getLong(16) : -1;
    }
  }

  /** Returns what opening the journal found. */
  public OpenReport openReport() {
    return report;
  }

  /** Returns a description of the live log file (for messages). */
  public String file() {
    return files.describe(wal.name());
  }

  /** Returns the live generation. */
  public long generation() {
    return wal.generation();
  }

  /** Returns how many times the log was compacted into a new generation since it was opened. */
  public long rotations() {
    return rotations;
  }

  /** Returns the live log's size in bytes. */
  public long fileBytes() {
    return wal.size();
  }

  /** Returns the sequence number of the last committed batch. */
  public long lastLsn() {
    return wal.lastLsn();
  }

  /** Returns whether commits are possible (false after a failed write until {@link #recover()}). */
  public boolean writable() {
    return failure == null && !closed;
  }

  /** Returns why the journal cannot write, or null. */
  public @Nullable String failure() {
    return failure;
  }

  /**
   * Returns how many writes failed, recoveries succeeded and index rebuilds happened since the
   * start.
   */
  public long[] counters() {
    return new long[] {failures, recoveries, indexRebuilds};
  }

  /**
   * Visits every record; writer thread only (used at start to validate and index the replica). Also
   * recomputes the live data size.
   *
   * @param each receives order id and encoded record
   */
  public void forEachRecord(BiConsumer<String, byte[]> each) {
    long[] total = {0};
    index.forEachRecord(
        (id, bytes) -> {
          total[0] += id.length() + bytes.length;
          each.accept(id, bytes);
        });
    liveBytes = total[0];
  }

  /**
   * Reads one committed encoded record; any thread.
   *
   * @param orderId the order
   * @return the bytes, or null
   * @throws CorruptDataException if the index's copy fails its checksum (the index is then rebuilt
   *     from the log at the writer's next {@link #repairIndexIfSuspect()})
   */
  public byte @Nullable [] get(String orderId) {
    indexLock.readLock().lock();
    try {
      checkOpen();
      return index.get(orderId);
    } catch (CorruptDataException e) {
      indexSuspect = true;
      throw e;
    } finally {
      indexLock.readLock().unlock();
    }
  }

  /**
   * Returns the order whose committed record holds an op id key ({@code OpId.key()}); any thread.
   *
   * @param opKey the op id's key
   * @return the order id, or null if no record holds it
   */
  public @Nullable String orderOfOp(long opKey) {
    indexLock.readLock().lock();
    try {
      checkOpen();
      return index.orderOfOp(opKey);
    } finally {
      indexLock.readLock().unlock();
    }
  }

  /** Returns whether the index holds the order (committed); any thread. */
  public boolean contains(String orderId) {
    indexLock.readLock().lock();
    try {
      checkOpen();
      return index.contains(orderId);
    } finally {
      indexLock.readLock().unlock();
    }
  }

  /**
   * Puts a record into the current batch; writer thread only.
   *
   * @param orderId the order
   * @param bytes the encoded record
   */
  public void put(String orderId, byte[] bytes) {
    stage(new LogOp.Put(orderId, bytes));
  }

  /**
   * Puts a record into the current batch, with the op-id keys it holds (ascending, as {@code
   * RecordCodec.opKeys} would read them from {@code bytes}), which spares the index a parse; writer
   * thread only.
   *
   * @param orderId the order
   * @param bytes the encoded record
   * @param opKeys the record's op-id keys; the index keeps the array, so the caller must not change
   *     it
   */
  public void put(String orderId, byte[] bytes, long[] opKeys) {
    stage(new LogOp.Put(orderId, bytes, opKeys));
  }

  /**
   * Adds an order to the backlog unless it is there already (it keeps its original position);
   * writer thread only.
   *
   * @param orderId the order
   * @return whether it was added (it was not in the backlog)
   */
  public boolean addToBacklog(String orderId) {
    return addToBacklog(orderId, false);
  }

  /**
   * Adds an order to the backlog; writer thread only.
   *
   * @param orderId the order
   * @param certainlyAbsent the caller knows the order is not in the backlog (it is not in the
   *     replica yet), which saves a lookup
   * @return whether it was added (it was not in the backlog)
   */
  public boolean addToBacklog(String orderId, boolean certainlyAbsent) {
    if (!certainlyAbsent && backlogHas(orderId)) {
      return false;
    }
    long seq = ++nextBacklogSeq;
    pendingBacklog.put(orderId, seq);
    stage(new LogOp.BacklogAdd(orderId, seq));
    setMeta(NEXT_BACKLOG_SEQ, nextBacklogSeq);
    return true;
  }

  /**
   * Removes an order from the backlog; writer thread only.
   *
   * @param orderId the order
   * @return whether it was there
   */
  public boolean removeFromBacklog(String orderId) {
    if (!backlogHas(orderId)) {
      return false;
    }
    pendingBacklog.put(orderId, REMOVED);
    stage(new LogOp.BacklogRemove(orderId));
    return true;
  }

  private boolean backlogHas(String orderId) {
    Long p = pendingBacklog.get(orderId);
    if (p != null) {
      return p != REMOVED;
    }
    return index.inBacklog(orderId);
  }

  /**
   * Returns whether the order is in the committed backlog; any thread.
   *
   * @param orderId the order
   * @return whether it is
   */
  public boolean inBacklog(String orderId) {
    indexLock.readLock().lock();
    try {
      checkOpen();
      return index.inBacklog(orderId);
    } finally {
      indexLock.readLock().unlock();
    }
  }

  /**
   * Returns up to {@code max} committed backlog order ids, oldest first; any thread.
   *
   * @param max how many at most
   * @return the ids
   */
  public List<String> backlogOldest(int max) {
    indexLock.readLock().lock();
    try {
      checkOpen();
      return index.backlogOldest(max);
    } finally {
      indexLock.readLock().unlock();
    }
  }

  /** Returns the number of committed backlog entries; any thread. */
  public int backlogSize() {
    indexLock.readLock().lock();
    try {
      checkOpen();
      return index.backlogSize();
    } finally {
      indexLock.readLock().unlock();
    }
  }

  /**
   * Reads a counter, including the current batch (0 if never set); writer thread only.
   *
   * @param key the counter
   * @return its value
   */
  public long meta(String key) {
    Long p = pendingMeta.get(key);
    if (p != null) {
      return p;
    }
    Long v = index.meta(key);
    return v == null ? 0 : v;
  }

  /**
   * Sets a counter in the current batch; writer thread only.
   *
   * @param key the counter
   * @param value its value
   */
  public void setMeta(String key, long value) {
    Long before = pendingMeta.put(key, value);
    if (before == null) {
      stage(new LogOp.Meta(key, value));
    } else {
      // Keep one Meta op per key per batch: replace the earlier one in place.
      for (int i = pending.size() - 1; i >= 0; i--) {
        if (pending.get(i) instanceof LogOp.Meta m && m.key().equals(key)) {
          pending.set(i, new LogOp.Meta(key, value));
          break;
        }
      }
    }
  }

  private void stage(LogOp op) {
    pending.add(op);
    pendingBytes += op.encodedSize();
  }

  /** Whether the current batch holds anything. */
  public boolean hasPending() {
    return !pending.isEmpty();
  }

  /**
   * Commits the batch: appends it to the log as one entry, forces the file, then applies it to the
   * index. When this returns, the batch is durable. Writer thread only.
   *
   * @throws StoreUnavailableException if the journal is in its failed state (nothing was written)
   * @throws JournalWriteException if the log write or fsync failed: the batch may or may not be on
   *     disk; the journal is now failed until {@link #recover()}
   */
  public void commit() {
    if (pending.isEmpty()) {
      return;
    }
    checkWritable();
    ByteBuffer body = ByteBuffer.allocate(pendingBytes);
    for (LogOp op : pending) {
      op.encode(body);
    }
    body.flip();
    long lsn = wal.lastLsn() + 1;
    try {
      wal.append(WriteAheadLog.BATCH, lsn, body, true);
    } catch (IOException | RuntimeException e) {
      List<LogOp> lost = List.copyOf(pending);
      clearPending();
      fail("the journal's log write failed: " + e, e);
      throw new JournalWriteException(
          "the local journal could not write a batch of "
              + lost.size()
              + " changes to "
              + file()
              + ": "
              + e,
          e);
    }
    applyToIndex(pending, lsn);
    clearPending();
  }

  private void applyToIndex(List<LogOp> ops, long lsn) {
    try {
      for (LogOp op : ops) {
        liveBytes += index.apply(op);
      }
      appliedLsn = lsn;
    } catch (RuntimeException e) {
      // The batch is durable in the log; only the derived index broke. Rebuild it from the log.
      LOG.error(
          "journal index {} failed to apply a committed batch; rebuilding it from the log",
          index.file(),
          e);
      rebuildIndex();
    }
  }

  /** Drops the current batch; writer thread only. */
  public void rollback() {
    clearPending();
    Long seq = index.meta(NEXT_BACKLOG_SEQ);
    nextBacklogSeq = seq == null ? 0 : seq;
  }

  private void clearPending() {
    pending.clear();
    pendingBytes = 0;
    pendingBacklog.clear();
    pendingMeta.clear();
  }

  private void checkWritable() {
    String f = failure;
    if (f != null) {
      throw new StoreUnavailableException(
          "the local journal " + file() + " cannot write (" + f + "); it is" + " recovering");
    }
    checkOpen();
  }

  private void fail(String why, Throwable cause) {
    if (failure == null) {
      LOG.error(
          "journal {} failed and stops acknowledging writes until it recovers: {}",
          file(),
          why,
          cause);
    }
    failures++;
    failure = why;
  }

  /**
   * Tries to leave the failed state: reopens the log, re-reads it from the disk (cutting a torn
   * tail), applies to the index what it lacks, and resumes. Writer thread only.
   *
   * @return whether the journal is writable again
   */
  public boolean recover() {
    if (failure == null) {
      return true;
    }
    String name = wal.name();
    long gen = wal.generation();
    try {
      wal.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("closing the failed log", e);
    }
    try {
      long from = appliedLsn;
      long[] applied = {appliedLsn};
      WriteAheadLog.Opened opened =
          WriteAheadLog.open(
              files,
              name,
              gen,
              (kind, lsn, ops) -> {
                if (kind == WriteAheadLog.BATCH && lsn > from) {
                  for (LogOp op : LogOp.decodeAll(ops)) {
                    liveBytes += index.apply(op);
                  }
                  applied[0] = lsn;
                }
              });
      wal = opened.log();
      appliedLsn = applied[0];
      if (opened.scan().damaged()) {
        throw new IOException("the log is damaged after the failure: " + opened.scan().damage());
      }
      wal.sync(); // the disk must take an fsync again before anything is acknowledged
      failure = null;
      recoveries++;
      LOG.warn("journal {} recovered after a failed write; acknowledging again", file());
      return true;
    } catch (IOException | RuntimeException e) {
      // The closed log stays in place: commits are refused while failed, and the next attempt
      // reopens the file by name.
      LOG.debug("journal recovery failed; will retry", e);
      return false;
    }
  }

  /** Whether a reader found an index checksum mismatch. */
  public boolean indexSuspect() {
    return indexSuspect;
  }

  /** Rebuilds the index from the log if a reader found it damaged; writer thread only. */
  public void repairIndexIfSuspect() {
    if (indexSuspect) {
      LOG.error("journal index {} failed a checksum; rebuilding it from the log", index.file());
      rebuildIndex();
    }
  }

  /** Replaces the index by one rebuilt from the whole log; writer thread only. */
  void rebuildIndex() {
    String name = wal.name();
    long gen = wal.generation();
    indexLock.writeLock().lock();
    try {
      try {
        index.close();
      } catch (RuntimeException e) {
        LOG.debug("closing the index before a rebuild", e);
      }
      wal.close();
      JournalIndex fresh = JournalIndex.create(dataDir.resolve(INDEX), options.mmap());
      long[] applied = {0};
      WriteAheadLog.Opened opened =
          WriteAheadLog.open(
              files,
              name,
              gen,
              (kind, lsn, ops) -> {
                for (LogOp op : LogOp.decodeAll(ops)) {
                  fresh.apply(op);
                }
                if (kind == WriteAheadLog.BATCH) {
                  applied[0] = lsn;
                }
              });
      index = fresh;
      wal = opened.log();
      appliedLsn = Math.max(applied[0], opened.scan().lastLsn());
      indexSuspect = false;
      indexRebuilds++;
      long[] total = {0};
      fresh.forEachRecord((id, bytes) -> total[0] += id.length() + bytes.length);
      liveBytes = total[0];
      if (opened.scan().damaged()) {
        fail("the log is damaged: " + opened.scan().damage(), new IOException("damaged log"));
      }
    } catch (IOException | RuntimeException e) {
      fail("rebuilding the index failed: " + e, e);
    } finally {
      indexLock.writeLock().unlock();
    }
  }

  /** Returns the approximate size of the live data (keys and encoded records) in bytes. */
  public long liveBytes() {
    return liveBytes;
  }

  /**
   * Compacts the log into a new generation if it is over the threshold and more than twice the live
   * data; writer thread only, between batches.
   *
   * @return whether it compacted
   */
  public boolean maybeRotate() {
    long size = fileBytes();
    if (failure != null || size < options.rotateThresholdBytes()) {
      return false;
    }
    if (size <= 2 * liveBytes + (1L << 20)) {
      if (!warnedLiveData) {
        warnedLiveData = true;
        LOG.warn(
            "journal {} holds {} bytes of live data, over the compaction threshold {}; compaction cannot shrink"
                + " it",
            file(),
            liveBytes,
            options.rotateThresholdBytes());
      }
      return false;
    }
    rotate();
    return true;
  }

  /**
   * Writes the state as a snapshot into the next generation, forces it, switches {@code CURRENT}
   * and deletes the old log; writer thread only, between batches (nothing pending).
   *
   * @throws StoreUnavailableException if it fails (the old generation stays live)
   */
  public void rotate() {
    if (!pending.isEmpty()) {
      throw new IllegalStateException("rotate with an uncommitted batch");
    }
    long next = wal.generation() + 1;
    String nextName = logName(next);
    long base = wal.lastLsn();
    WriteAheadLog target = null;
    try {
      files.delete(nextName);
      target = WriteAheadLog.create(files, nextName, next, base);
      WriteAheadLog out = target;
      Chunker chunks = new Chunker(out, base);
      long[] live = {0};
      index.forEachRecord(
          (id, bytes) -> {
            live[0] += id.length() + bytes.length;
            chunks.add(new LogOp.Put(id, bytes));
          });
      liveBytes = live[0]; // also right when rotate runs at start, before anything else counted it
      index.forEachBacklog((seq, id) -> chunks.add(new LogOp.BacklogAdd(id, seq)));
      for (Map.Entry<String, Long> m : index.allMeta().entrySet()) {
        chunks.add(new LogOp.Meta(m.getKey(), m.getValue()));
      }
      chunks.flush();
      out.append(WriteAheadLog.SNAPSHOT_END, base, ByteBuffer.allocate(0), true);
      files.replace(CURRENT, (next + "\n").getBytes(StandardCharsets.US_ASCII));
    } catch (IOException | RuntimeException e) {
      if (target != null) {
        try {
          target.close();
          files.delete(nextName);
        } catch (IOException | RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      if (e instanceof CorruptDataException) {
        indexSuspect = true;
      }
      throw new StoreUnavailableException(
          "compacting the journal into " + files.describe(nextName) + " failed: " + e, e);
    }
    WriteAheadLog previous = wal;
    wal = target;
    rotations++;
    try {
      previous.close();
      files.delete(previous.name());
      files.syncDirectory();
    } catch (IOException e) {
      LOG.warn(
          "could not delete the old journal log {}: {}",
          files.describe(previous.name()),
          e.toString());
    }
    LOG.info(
        "compacted journal {} into {} ({} bytes live)",
        files.describe(previous.name()),
        file(),
        liveBytes);
  }

  /** Groups snapshot ops into entries of about {@value #SNAPSHOT_CHUNK_BYTES} bytes. */
  private static final class Chunker {
    private final WriteAheadLog out;
    private final long lsn;
    private final List<LogOp> ops = new ArrayList<>();
    private int bytes;

    Chunker(WriteAheadLog out, long lsn) {
      this.out = out;
      this.lsn = lsn;
    }

    void add(LogOp op) {
      ops.add(op);
      bytes += op.encodedSize();
      if (bytes >= SNAPSHOT_CHUNK_BYTES) {
        flush();
      }
    }

    void flush() {
      if (ops.isEmpty()) {
        return;
      }
      ByteBuffer body = ByteBuffer.allocate(bytes);
      for (LogOp op : ops) {
        op.encode(body);
      }
      body.flip();
      try {
        out.append(WriteAheadLog.SNAPSHOT, lsn, body, false);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      ops.clear();
      bytes = 0;
    }
  }

  /**
   * Returns the name of a generation's log file.
   *
   * @param generation the generation
   * @return the file name
   */
  static String logName(long generation) {
    return "log-" + generation + ".wal";
  }

  /**
   * Returns the live log file of a data directory on disk as named by {@code CURRENT}, for tools
   * and tests.
   *
   * @param dataDir the data directory
   * @return the file
   * @throws CorruptDataException if {@code CURRENT} is missing or malformed
   */
  public static Path currentFile(Path dataDir) {
    try {
      return dataDir.resolve(logName(readCurrent(JournalFiles.disk(dataDir))));
    } catch (IOException e) {
      throw new CorruptDataException(dataDir.resolve(CURRENT) + " is unreadable: " + e, e);
    }
  }

  private static long readCurrent(JournalFiles files) throws IOException {
    String text;
    try {
      text = new String(files.read(CURRENT), StandardCharsets.US_ASCII).trim();
    } catch (NoSuchFileException e) {
      throw new CorruptDataException(files.describe(CURRENT) + " is missing", e);
    }
    try {
      long gen = Long.parseLong(text);
      if (gen < 1) {
        throw new NumberFormatException("generation " + gen);
      }
      return gen;
    } catch (NumberFormatException e) {
      throw new CorruptDataException(
          files.describe(CURRENT) + " does not hold a journal generation: '" + text + "'", e);
    }
  }

  private static long readLsn(JournalFiles files) throws IOException {
    String text = new String(files.read(INDEX_CLEAN), StandardCharsets.US_ASCII).trim();
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      return -1; // not trusted: rebuild
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("journal " + file() + " is closed");
    }
  }

  /**
   * Closes the journal: flushes the index and, if the journal is healthy, marks the index clean so
   * the next start need not rebuild it. Uncommitted changes are dropped.
   */
  @Override
  public void close() {
    indexLock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      clearPending();
      boolean clean = failure == null && !indexSuspect;
      try {
        index.flush();
        index.close();
      } catch (RuntimeException e) {
        clean = false;
        LOG.warn(
            "closing the journal index {} failed; it is rebuilt at the next start",
            index.file(),
            e);
      }
      try {
        wal.close();
      } catch (IOException | RuntimeException e) {
        LOG.debug("closing the log", e);
      }
      if (clean) {
        try {
          files.replace(INDEX_CLEAN, (appliedLsn + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
          LOG.warn(
              "could not mark the journal index clean; it is rebuilt at the next start: {}",
              e.toString());
        }
      }
    } finally {
      indexLock.writeLock().unlock();
    }
  }
}
