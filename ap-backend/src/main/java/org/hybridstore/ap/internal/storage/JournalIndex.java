package org.hybridstore.ap.internal.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiConsumer;
import org.hybridstore.CorruptDataException;
import org.hybridstore.codec.RecordCodec;
import org.jspecify.annotations.Nullable;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

/**
 * The journal's index: a MapDB file without MapDB's own write-ahead log, holding the state the log
 * describes, so reads and the writer's lookups need not replay anything. It is derived data: it is
 * rebuilt from the log whenever it was not closed cleanly (see {@link JournalStore}), so a crash in
 * the middle of a MapDB write can never leave a wrong index in use.
 *
 * <p>Collections: {@code records} (order id to CRC32C plus encoded record; the checksum is checked
 * on every read), {@code opOrders} (op id key to the order whose record holds it: kept by every
 * record {@link #apply}, so a rebuild from the log rebuilds it too), {@code backlogById} / {@code
 * backlogBySeq} (the reconcile backlog both ways, so it reads oldest first) and {@code meta}
 * (counters by name). An index file without {@code opOrders} (written by an older build) fails
 * {@link #open} and is rebuilt.
 *
 * <p>The backlog lives in memory while the index is open (a concurrent map each way) and reaches
 * the two MapDB collections only in {@link #flush}, at the clean close; {@link #open} reads them
 * back. Why: an order leaving the backlog cost a remove from an {@code HTreeMap} and one from a
 * {@code BTreeMap} (the node rewritten) on the writer thread of every node, 12 % of the profile
 * samples of the 10,000-record backlog, and the reconciler's lookups read them again. The ids are
 * in memory anyway (the writer's backlog hints), and the file holds them only where it is trusted
 * at all: an index not closed cleanly is rebuilt from the log, which rebuilds the backlog.
 *
 * <p>Thread safety: MapDB's collections and the backlog's maps are thread-safe; one writer thread
 * applies ops, any thread reads.
 */
final class JournalIndex implements AutoCloseable {
  private static final long[] EMPTY_KEYS = new long[0];

  private final Path file;
  private final DB db;
  private final HTreeMap<String, byte[]> records;
  private final HTreeMap<Long, String> opOrders;
  private final HTreeMap<String, Long> savedBacklogById;
  private final BTreeMap<Long, String> savedBacklogBySeq;
  private final HTreeMap<String, Long> meta;

  /** The backlog by order id; written by {@link #apply} (one writer thread), read by any. */
  private final Map<String, Long> backlogById = new ConcurrentHashMap<>();

  /** The backlog by sequence number, oldest first; kept with {@link #backlogById}. */
  private final ConcurrentSkipListMap<Long, String> backlogBySeq = new ConcurrentSkipListMap<>();

  /** How many orders' op id keys {@link #recentKeys} remembers. */
  static final int RECENT_KEYS = 4_096;

  /**
   * The op id keys of the record {@link #apply} last put for recently written orders: the next
   * version of such an order finds its predecessor's keys here instead of parsing the stored record
   * again (an order written over and over is the common case). Writer thread only.
   */
  private final Map<String, long[]> recentKeys =
      new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
          return size() > RECENT_KEYS;
        }
      };

  private JournalIndex(Path file, DB db) {
    this.file = file;
    this.db = db;
    this.records = db.hashMap("records", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    this.opOrders = db.hashMap("opOrders", Serializer.LONG, Serializer.STRING).createOrOpen();
    this.savedBacklogById =
        db.hashMap("backlogById", Serializer.STRING, Serializer.LONG).createOrOpen();
    this.savedBacklogBySeq =
        db.treeMap("backlogBySeq", Serializer.LONG, Serializer.STRING).createOrOpen();
    this.meta = db.hashMap("meta", Serializer.STRING, Serializer.LONG).createOrOpen();
    for (Map.Entry<Long, String> e : savedBacklogBySeq.entrySet()) {
      backlogById.put(e.getValue(), e.getKey());
      backlogBySeq.put(e.getKey(), e.getValue());
    }
  }

  /** Creates an empty index, deleting whatever file was there. */
  static JournalIndex create(Path file, boolean mmap) throws IOException {
    Files.deleteIfExists(file);
    return new JournalIndex(file, maker(file, mmap).make());
  }

  /**
   * Opens an index that was closed cleanly.
   *
   * @throws RuntimeException anything MapDB throws on a damaged file (the caller rebuilds)
   */
  static JournalIndex open(Path file, boolean mmap) {
    DB db = maker(file, mmap).make();
    try {
      for (String name : List.of("records", "opOrders", "backlogById", "backlogBySeq", "meta")) {
        if (!db.exists(name)) {
          throw new IllegalStateException("index " + file + " lacks the collection " + name);
        }
      }
      return new JournalIndex(file, db);
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
  }

  private static DBMaker.Maker maker(Path file, boolean mmap) {
    DBMaker.Maker maker = DBMaker.fileDB(file.toFile());
    if (mmap) {
      maker = maker.fileMmapEnableIfSupported().cleanerHackEnable();
    }
    return maker;
  }

  /**
   * Applies one op; writer thread only.
   *
   * @return the change in live bytes (keys and records)
   */
  long apply(LogOp op) {
    if (op instanceof LogOp.Put p) {
      byte[] old = records.put(p.id(), withChecksum(p.bytes()));
      indexOps(p.id(), old, p.bytes(), p.opKeys());
      return p.bytes().length - (old == null ? -p.id().length() : old.length - 4);
    } else if (op instanceof LogOp.BacklogAdd a) {
      Long old = backlogById.put(a.id(), a.seq());
      if (old != null) {
        backlogBySeq.remove(old);
      }
      backlogBySeq.put(a.seq(), a.id());
    } else if (op instanceof LogOp.BacklogRemove r) {
      Long seq = backlogById.remove(r.id());
      if (seq != null) {
        backlogBySeq.remove(seq);
      }
    } else {
      LogOp.Meta m = (LogOp.Meta) op;
      meta.put(m.key(), m.value());
    }
    return 0;
  }

  /**
   * Returns the encoded record of an order, its checksum checked.
   *
   * @throws CorruptDataException naming the file and the order if the checksum does not match
   */
  byte @Nullable [] get(String id) {
    byte[] stored = records.get(id);
    return stored == null ? null : verified(id, stored);
  }

  /** Returns the order whose record holds the op id key, or null. */
  @Nullable String orderOfOp(long opKey) {
    return opOrders.get(opKey);
  }

  /**
   * Moves the op id index from the old version of a record to the new one: keys only the new one
   * holds point to the order, keys it no longer holds (pushed out by the retention bound) leave. A
   * key another order holds too keeps whichever order wrote it last. An old version that cannot be
   * read (it failed its checksum: the index is about to be rebuilt) contributes no keys.
   */
  private void indexOps(
      String id, byte @Nullable [] oldStored, byte[] bytes, long @Nullable [] knownKeys) {
    long[] before = EMPTY_KEYS;
    long[] remembered = recentKeys.get(id);
    if (oldStored != null && remembered != null) {
      before = remembered;
    } else if (oldStored != null) {
      try {
        before = RecordCodec.opKeys(verified(id, oldStored), file + " record '" + id + "'");
      } catch (CorruptDataException e) {
        before = EMPTY_KEYS;
      }
    }
    long[] after;
    if (knownKeys != null) {
      after = knownKeys;
    } else {
      try {
        after = RecordCodec.opKeys(bytes, file + " record '" + id + "'");
      } catch (CorruptDataException e) {
        after = EMPTY_KEYS; // not a record of ours: decoding it fails loudly at the first read
      }
    }
    recentKeys.put(id, after);
    for (long k : before) {
      if (Arrays.binarySearch(after, k) < 0) {
        opOrders.remove(k, id);
      }
    }
    for (long k : after) {
      if (Arrays.binarySearch(before, k) < 0) {
        opOrders.put(k, id);
      }
    }
  }

  boolean contains(String id) {
    return records.containsKey(id);
  }

  /** Visits every record (checksums checked) in no particular order. */
  void forEachRecord(BiConsumer<String, byte[]> each) {
    for (Map.Entry<String, byte[]> e : records.getEntries()) {
      each.accept(e.getKey(), verified(e.getKey(), e.getValue()));
    }
  }

  boolean inBacklog(String id) {
    return backlogById.containsKey(id);
  }

  List<String> backlogOldest(int max) {
    List<String> out = new ArrayList<>(Math.min(max, 1024));
    for (String id : backlogBySeq.values()) {
      if (out.size() >= max) {
        break;
      }
      out.add(id);
    }
    return out;
  }

  /** Visits the backlog oldest first. */
  void forEachBacklog(BiConsumer<Long, String> each) {
    for (Map.Entry<Long, String> e : backlogBySeq.entrySet()) {
      each.accept(e.getKey(), e.getValue());
    }
  }

  int backlogSize() {
    return backlogById.size();
  }

  @Nullable Long meta(String key) {
    return meta.get(key);
  }

  Map<String, Long> allMeta() {
    return Map.copyOf(meta);
  }

  Path file() {
    return file;
  }

  /**
   * Writes everything to the file, the backlog included (MapDB's commit without a WAL: a sync of
   * the volume); at the clean close only. Writer side: no {@link #apply} may run concurrently.
   */
  void flush() {
    savedBacklogById.clear();
    savedBacklogBySeq.clear();
    savedBacklogById.putAll(backlogById);
    savedBacklogBySeq.putAll(backlogBySeq);
    db.commit();
  }

  @Override
  public void close() {
    db.close();
  }

  private static byte[] withChecksum(byte[] bytes) {
    byte[] out = new byte[bytes.length + 4];
    ByteBuffer.wrap(out).putInt(WriteAheadLog.crc(bytes, 0, bytes.length));
    System.arraycopy(bytes, 0, out, 4, bytes.length);
    return out;
  }

  private byte[] verified(String id, byte[] stored) {
    if (stored.length < 4) {
      throw new CorruptDataException("journal index " + file + " record '" + id + "' is cut short");
    }
    byte[] bytes = Arrays.copyOfRange(stored, 4, stored.length);
    if (ByteBuffer.wrap(stored).getInt() != WriteAheadLog.crc(bytes, 0, bytes.length)) {
      throw new CorruptDataException(
          "journal index " + file + " record '" + id + "' fails its checksum");
    }
    return bytes;
  }
}
