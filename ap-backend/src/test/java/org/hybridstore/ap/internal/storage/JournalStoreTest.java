package org.hybridstore.ap.internal.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.hybridstore.CorruptDataException;
import org.hybridstore.StoreUnavailableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalStoreTest {
  @TempDir Path dir;

  private static final StorageOptions RAF =
      new StorageOptions(false, StorageOptions.DEFAULT_ROTATE_THRESHOLD_BYTES);

  @Test
  void open_createsThenReopensWithCommittedDataWithoutRebuilding() {
    // Given a journal with a record, two backlog entries and a counter, closed cleanly
    try (JournalStore s = JournalStore.open(dir, StorageOptions.DEFAULTS)) {
      assertThat(s.openReport().created()).isTrue();
      s.put("o-1", bytes("one"));
      s.put("o-2", bytes("two"));
      s.addToBacklog("o-2");
      s.addToBacklog("o-1");
      s.setMeta("x", 42);
      s.commit();
    }
    // When it is reopened
    try (JournalStore s = JournalStore.open(dir, StorageOptions.DEFAULTS)) {
      // Then everything committed is there, the backlog oldest first, and the index was trusted
      assertThat(s.get("o-1")).isEqualTo(bytes("one"));
      assertThat(s.backlogOldest(10)).containsExactly("o-2", "o-1");
      assertThat(s.backlogSize()).isEqualTo(2);
      assertThat(s.meta("x")).isEqualTo(42);
      assertThat(s.file()).isEqualTo(dir.resolve("log-1.wal").toString());
      assertThat(s.openReport().indexRebuilt()).isFalse();
      assertThat(s.openReport().damaged()).isFalse();
    }
  }

  private static byte[] record(String order, String... ops) {
    org.hybridstore.model.HybridLogicalClock clock =
        new org.hybridstore.model.HybridLogicalClock(
            java.time.InstantSource.system(), java.time.Duration.ofSeconds(1));
    org.hybridstore.NodeId node = org.hybridstore.NodeId.of("n1");
    org.hybridstore.OrderId id = org.hybridstore.OrderId.of(order);
    org.hybridstore.model.OrderRecord r =
        org.hybridstore.model.OrderCommands.apply(
                null,
                org.hybridstore.OrderCommand.Create.of(
                    id, org.hybridstore.OpId.of(ops[0]), "c", "EUR"),
                clock,
                node)
            .record();
    for (int i = 1; i < ops.length; i++) {
      r =
          org.hybridstore.model.OrderCommands.apply(
                  r,
                  new org.hybridstore.OrderCommand.SetAttribute(
                      id, org.hybridstore.OpId.of(ops[i]), "k" + i, "v"),
                  clock,
                  node)
              .record();
    }
    return org.hybridstore.codec.RecordCodec.encode(r);
  }

  private static long key(String op) {
    return org.hybridstore.OpId.of(op).key();
  }

  @Test
  void orderOfOp_followsTheRecords_andSurvivesReopenRebuildAndRotation() throws Exception {
    // Given records whose versions gain op ids, and one whose new version no longer holds its old
    // ones
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      s.put("o-1", record("o-1", "op-a"));
      s.commit();
      assertThat(s.orderOfOp(key("op-a"))).isEqualTo("o-1");
      s.put("o-1", record("o-1", "op-a", "op-b"));
      s.put("o-2", record("o-2", "op-c"));
      s.put("o-3", bytes("not a record")); // tolerated: no keys
      s.commit();
      assertThat(s.orderOfOp(key("op-b"))).isEqualTo("o-1");
      assertThat(s.orderOfOp(key("op-c"))).isEqualTo("o-2");
      // When o-2's record is replaced by one that holds other op ids (as the retention bound drops
      // old ones)
      s.put("o-2", record("o-2", "op-d"));
      s.commit();
      // Then the dropped key leaves the index
      assertThat(s.orderOfOp(key("op-c"))).isNull();
      assertThat(s.orderOfOp(key("op-d"))).isEqualTo("o-2");
      assertThat(s.orderOfOp(key("op-unknown"))).isNull();
    }
    // And the index is the same after a clean reopen, a rebuild from the log, and a rotation
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      assertThat(s.openReport().indexRebuilt()).isFalse();
      assertThat(s.orderOfOp(key("op-a"))).isEqualTo("o-1");
      assertThat(s.orderOfOp(key("op-d"))).isEqualTo("o-2");
      s.rotate();
    }
    Files.delete(dir.resolve(JournalStore.INDEX_CLEAN));
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      assertThat(s.openReport().indexRebuilt()).isTrue();
      assertThat(s.orderOfOp(key("op-a"))).isEqualTo("o-1");
      assertThat(s.orderOfOp(key("op-b"))).isEqualTo("o-1");
      assertThat(s.orderOfOp(key("op-c"))).isNull();
      assertThat(s.orderOfOp(key("op-d"))).isEqualTo("o-2");
    }
  }

  @Test
  void commit_readersSeeOnlyCommittedState_rollbackDropsTheBatch() {
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      s.put("o-1", bytes("one"));
      s.commit();
      // Given a batch in progress
      s.put("o-1", bytes("changed"));
      s.addToBacklog("o-1");
      // Then readers still see the committed state
      assertThat(s.get("o-1")).isEqualTo(bytes("one"));
      assertThat(s.backlogSize()).isZero();
      // And a rollback drops the batch
      s.rollback();
      s.commit();
      assertThat(s.get("o-1")).isEqualTo(bytes("one"));
      assertThat(s.backlogSize()).isZero();
    }
  }

  @Test
  void backlog_keepsTheFirstPositionAndRemoves() {
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      s.addToBacklog("a");
      s.addToBacklog("b");
      s.addToBacklog("a");
      s.commit();
      assertThat(s.backlogOldest(10)).containsExactly("a", "b");
      assertThat(s.removeFromBacklog("a")).isTrue();
      assertThat(s.removeFromBacklog("a")).as("removed within the same batch").isFalse();
      s.commit();
      assertThat(s.backlogOldest(10)).containsExactly("b");
      s.addToBacklog("a");
      s.commit();
      assertThat(s.backlogOldest(10)).containsExactly("b", "a");
    }
  }

  @Test
  void backlog_changedBetweenCleanRestarts_isReadBackAsItWas_andAsTheLogRebuildsIt() {
    // Given a backlog of five orders, closed cleanly
    try (JournalStore s = JournalStore.open(dir, StorageOptions.DEFAULTS)) {
      for (int i = 1; i <= 5; i++) {
        s.addToBacklog("o-" + i);
      }
      s.commit();
    }
    // And changed after a clean restart: two leave, one joins, one leaves and joins again at the
    // end
    try (JournalStore s = JournalStore.open(dir, StorageOptions.DEFAULTS)) {
      assertThat(s.openReport().indexRebuilt()).isFalse();
      assertThat(s.backlogOldest(10)).containsExactly("o-1", "o-2", "o-3", "o-4", "o-5");
      s.removeFromBacklog("o-2");
      s.removeFromBacklog("o-4");
      s.addToBacklog("o-6");
      s.removeFromBacklog("o-1");
      s.commit();
      s.addToBacklog("o-1");
      s.addToBacklog("o-7");
      s.removeFromBacklog("o-7");
      s.commit();
    }
    // When it is reopened from the trusted index, and then from an index rebuilt from the log
    for (boolean rebuild : new boolean[] {false, true}) {
      if (rebuild) {
        assertThat(dir.resolve(JournalStore.INDEX_CLEAN).toFile().delete()).isTrue();
      }
      try (JournalStore s = JournalStore.open(dir, StorageOptions.DEFAULTS)) {
        // Then the backlog is exactly what the last session left, oldest first
        assertThat(s.openReport().indexRebuilt()).isEqualTo(rebuild);
        assertThat(s.backlogOldest(10)).containsExactly("o-3", "o-5", "o-6", "o-1");
        assertThat(s.backlogSize()).isEqualTo(4);
        assertThat(s.inBacklog("o-2")).isFalse();
        assertThat(s.inBacklog("o-7")).isFalse();
        assertThat(s.inBacklog("o-1")).isTrue();
      }
    }
  }

  @Test
  void open_afterACrash_rebuildsTheIndexFromTheLog() {
    // Given a journal whose process died: the disk stops, so the index is never marked clean
    SimulatedDisk disk = new SimulatedDisk();
    StorageOptions sim =
        new StorageOptions(false, StorageOptions.DEFAULT_ROTATE_THRESHOLD_BYTES, disk);
    JournalStore s = JournalStore.open(dir, sim);
    s.put("o-1", bytes("one"));
    s.addToBacklog("o-1");
    s.commit();
    s.put("o-1", bytes("two"));
    s.commit();
    disk.dieAfter(0);
    s.close();
    disk.powerCut(new Random(1));
    // When it is reopened
    try (JournalStore again = JournalStore.open(dir, sim)) {
      // Then the index was rebuilt from the log, with every committed batch
      assertThat(again.openReport().indexRebuilt()).isTrue();
      assertThat(again.openReport().entriesReplayed()).isEqualTo(2);
      assertThat(again.get("o-1")).isEqualTo(bytes("two"));
      assertThat(again.backlogOldest(5)).containsExactly("o-1");
    }
  }

  @Test
  void open_tornTail_isCutAndEverythingCommittedStays() throws Exception {
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      s.put("o-1", bytes("one"));
      s.commit();
    }
    // Given the remains of a write a crash interrupted after the last entry
    Path log = dir.resolve("log-1.wal");
    long validSize = Files.size(log);
    byte[] junk = new byte[37];
    new Random(3).nextBytes(junk);
    Files.write(log, junk, java.nio.file.StandardOpenOption.APPEND);
    // When it is reopened, Then the tail is cut (not reported as damage) and the data is there
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      assertThat(s.openReport().tornBytes()).isEqualTo(37);
      assertThat(s.openReport().damaged()).isFalse();
      assertThat(s.get("o-1")).isEqualTo(bytes("one"));
      s.put("o-2", bytes("two"));
      s.commit();
    }
    assertThat(Files.size(log)).isGreaterThan(validSize);
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      assertThat(s.get("o-2")).isEqualTo(bytes("two"));
      assertThat(s.openReport().tornBytes()).isZero();
    }
  }

  @Test
  void open_flippedByteInTheMiddle_keepsTheEntriesAroundItQuarantinesAndCompacts()
      throws Exception {
    // Given three committed batches, the first of which gets a flipped byte
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      s.put("o-1", bytes("first-record-value"));
      s.commit();
      s.put("o-2", bytes("second"));
      s.commit();
      s.put("o-3", bytes("third"));
      s.commit();
    }
    Path log = dir.resolve("log-1.wal");
    byte[] content = Files.readAllBytes(log);
    int at = indexOf(content, bytes("first-record-value")) + 3;
    content[at] ^= 0x10;
    Files.write(log, content);
    Files.delete(dir.resolve(JournalStore.INDEX_CLEAN)); // as after a crash: the index is rebuilt
    // When it is reopened
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      // Then the damage is reported, never served: the damaged record is gone, the others stay
      assertThat(s.openReport().damaged()).isTrue();
      assertThat(s.openReport().damage()).anySatisfy(d -> assertThat(d).contains("log-1.wal"));
      assertThat(s.get("o-1")).isNull();
      assertThat(s.get("o-2")).isEqualTo(bytes("second"));
      assertThat(s.get("o-3")).isEqualTo(bytes("third"));
      // And the damaged file is quarantined byte for byte, the state compacted into generation 2
      assertThat(s.openReport().quarantined()).isNotNull();
      assertThat(Files.readAllBytes(Path.of(s.openReport().quarantined()))).isEqualTo(content);
      assertThat(s.generation()).isEqualTo(2);
      assertThat(log).doesNotExist();
    }
    // And the next start finds a sound journal
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      assertThat(s.openReport().damaged()).isFalse();
      assertThat(s.get("o-3")).isEqualTo(bytes("third"));
    }
  }

  @Test
  void open_garbledHeader_salvagesTheEntriesAndReportsIt() throws Exception {
    try (JournalStore s = JournalStore.open(dir, StorageOptions.DEFAULTS)) {
      s.put("o-1", bytes("one"));
      s.commit();
    }
    Path log = dir.resolve("log-1.wal");
    byte[] garbage = new byte[20];
    new Random(7).nextBytes(garbage);
    try (RandomAccessFile raf = new RandomAccessFile(log.toFile(), "rw")) {
      raf.write(garbage);
    }
    byte[] damaged = Files.readAllBytes(log);
    try (JournalStore s = JournalStore.open(dir, StorageOptions.DEFAULTS)) {
      assertThat(s.openReport().damage()).anySatisfy(d -> assertThat(d).contains("header"));
      assertThat(s.get("o-1")).isEqualTo(bytes("one"));
      assertThat(Files.readAllBytes(Path.of(s.openReport().quarantined()))).isEqualTo(damaged);
    }
  }

  @Test
  void open_randomBytes_startsEmptyReportsAndQuarantines() throws Exception {
    // Given a file that was never a journal, named by CURRENT
    Files.writeString(dir.resolve(JournalStore.CURRENT), "1\n");
    Path log = dir.resolve("log-1.wal");
    byte[] garbage = new byte[256 * 1024];
    new Random(11).nextBytes(garbage);
    Files.write(log, garbage);
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      assertThat(s.openReport().damaged()).isTrue();
      assertThat(s.backlogSize()).isZero();
      assertThat(sha256(Path.of(s.openReport().quarantined()))).isEqualTo(sha256Of(garbage));
    }
  }

  @Test
  void open_missingLog_startsEmptyAndReportsIt() throws Exception {
    Files.writeString(dir.resolve(JournalStore.CURRENT), "3\n");
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      assertThat(s.openReport().damage())
          .anySatisfy(d -> assertThat(d).contains("log-3.wal").contains("missing"));
      assertThat(s.generation()).isEqualTo(4);
    }
  }

  @Test
  void open_logWithoutCurrent_refusedAndLeftAlone() throws Exception {
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      s.put("o-1", bytes("one"));
      s.commit();
    }
    Files.delete(dir.resolve(JournalStore.CURRENT));
    String before = sha256(dir.resolve("log-1.wal"));
    assertThatThrownBy(() -> JournalStore.open(dir, RAF))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("CURRENT")
        .hasMessageContaining("log-1.wal");
    assertThat(sha256(dir.resolve("log-1.wal"))).isEqualTo(before);
  }

  @Test
  void open_creationCutBeforeCurrent_startsOver() throws Exception {
    // Given a creation that stopped after the log header, before CURRENT: nothing was acknowledged
    SimulatedDisk disk = new SimulatedDisk();
    StorageOptions sim =
        new StorageOptions(false, StorageOptions.DEFAULT_ROTATE_THRESHOLD_BYTES, disk);
    disk.dieAfter(4);
    assertThatThrownBy(() -> JournalStore.open(dir, sim))
        .isInstanceOf(StoreUnavailableException.class);
    disk.powerCut(new Random(2));
    // Then a new start creates the journal
    try (JournalStore s = JournalStore.open(dir, sim)) {
      assertThat(s.openReport().created()).isTrue();
    }
  }

  @Test
  void open_malformedCurrent_typedError() throws Exception {
    Files.writeString(dir.resolve(JournalStore.CURRENT), "banana");
    assertThatThrownBy(() -> JournalStore.open(dir, RAF))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("banana");
  }

  @Test
  void open_formatOneJournal_refusedWithAClearMessage() throws Exception {
    Files.writeString(dir.resolve(JournalStore.CURRENT), "1\n");
    Files.write(dir.resolve("journal-1.db"), new byte[100]);
    assertThatThrownBy(() -> JournalStore.open(dir, RAF))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("format 1");
  }

  @Test
  void rotate_writesASnapshotIntoTheNextGenerationAndDeletesTheOld() {
    // Given a log that grew from rewriting the same records (small threshold)
    StorageOptions small = new StorageOptions(true, 1);
    byte[] big = new byte[8 * 1024];
    try (JournalStore s = JournalStore.open(dir, small)) {
      for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 50; i++) {
          big[0] = (byte) round;
          s.put("o-" + i, big.clone());
        }
        s.commit();
      }
      for (int i = 0; i < 3; i++) {
        s.addToBacklog("o-" + i);
      }
      s.removeFromBacklog("o-1");
      s.setMeta("x", 7);
      s.commit();
      // When it is compacted
      long before = s.fileBytes();
      assertThat(s.maybeRotate()).isTrue();
      // Then the next generation is live, smaller, and the old file is gone
      assertThat(s.generation()).isEqualTo(2);
      assertThat(s.rotations()).isEqualTo(1);
      assertThat(s.fileBytes()).isLessThan(before / 5);
      assertThat(dir.resolve("log-1.wal")).doesNotExist();
      assertThat(s.get("o-49")[0]).isEqualTo((byte) 19);
      s.put("o-50", bytes("after"));
      s.commit();
    }
    // And a clean restart, and a restart that rebuilds the index from snapshot and batches, see it
    // all
    for (int attempt = 0; attempt < 2; attempt++) {
      try (JournalStore s = JournalStore.open(dir, small)) {
        assertThat(s.generation()).isEqualTo(2);
        assertThat(s.openReport().indexRebuilt()).isEqualTo(attempt == 1);
        assertThat(s.get("o-10")[0]).isEqualTo((byte) 19);
        assertThat(s.get("o-50")).isEqualTo(bytes("after"));
        assertThat(s.backlogOldest(10)).containsExactly("o-0", "o-2");
        assertThat(s.meta("x")).isEqualTo(7);
      }
      new java.io.File(dir.toFile(), JournalStore.INDEX_CLEAN).delete();
    }
  }

  @Test
  void maybeRotate_onlyWhenMostOfTheLogIsSuperseded() {
    try (JournalStore s = JournalStore.open(dir, new StorageOptions(false, Long.MAX_VALUE))) {
      s.put("o-1", new byte[1000]);
      s.commit();
      assertThat(s.maybeRotate()).isFalse();
      assertThat(s.generation()).isEqualTo(1);
    }
  }

  @Test
  void open_deletesLeftoversOfAnInterruptedCompaction() throws Exception {
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      s.put("o-1", bytes("one"));
      s.commit();
    }
    Path leftover = dir.resolve("log-2.wal");
    Files.write(leftover, new byte[100]);
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      assertThat(s.get("o-1")).isEqualTo(bytes("one"));
    }
    assertThat(leftover).doesNotExist();
  }

  @Test
  void get_indexRecordFailingItsChecksum_typedErrorThenRebuiltFromTheLog() throws Exception {
    // Given a cleanly closed journal whose index copy of a record has a flipped byte
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      s.put("o-1", bytes("a-value-to-find-in-the-index"));
      s.commit();
    }
    Path index = dir.resolve(JournalStore.INDEX);
    byte[] content = Files.readAllBytes(index);
    int at = indexOf(content, bytes("a-value-to-find-in-the-index"));
    assertThat(at).isNotNegative();
    content[at + 2] ^= 0x01;
    Files.write(index, content);
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      // When it is read, Then the damage is a typed error naming the file and the order, never
      // served
      assertThatThrownBy(() -> s.get("o-1"))
          .isInstanceOf(CorruptDataException.class)
          .hasMessageContaining("o-1")
          .hasMessageContaining("checksum");
      assertThat(s.indexSuspect()).isTrue();
      // And the writer's repair rebuilds the index from the log
      s.repairIndexIfSuspect();
      assertThat(s.get("o-1")).isEqualTo(bytes("a-value-to-find-in-the-index"));
      assertThat(s.counters()[2]).isEqualTo(1);
    }
  }

  @Test
  void commit_fsyncFails_journalRefusesUntilItRecovers() {
    SimulatedDisk disk = new SimulatedDisk();
    StorageOptions sim =
        new StorageOptions(false, StorageOptions.DEFAULT_ROTATE_THRESHOLD_BYTES, disk);
    try (JournalStore s = JournalStore.open(dir, sim)) {
      s.put("o-1", bytes("one"));
      s.commit();
      // Given an fsync that fails
      disk.failForceAfter(0);
      s.put("o-2", bytes("two"));
      assertThatThrownBy(s::commit).isInstanceOf(JournalWriteException.class);
      // Then the journal refuses further commits, definitely
      assertThat(s.writable()).isFalse();
      s.put("o-3", bytes("three"));
      assertThatThrownBy(s::commit).isInstanceOf(StoreUnavailableException.class);
      s.rollback();
      // When it recovers, Then it takes writes again, and what reached the disk is applied
      assertThat(s.recover()).isTrue();
      assertThat(s.writable()).isTrue();
      assertThat(s.get("o-2"))
          .as("written, fsync failed, found on disk by the recovery")
          .isEqualTo(bytes("two"));
      s.put("o-4", bytes("four"));
      s.commit();
      assertThat(s.get("o-4")).isEqualTo(bytes("four"));
      assertThat(s.counters()[0]).isEqualTo(1);
      assertThat(s.counters()[1]).isEqualTo(1);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static String sha256(Path file) throws IOException {
    return sha256Of(Files.readAllBytes(file));
  }

  static String sha256Of(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
