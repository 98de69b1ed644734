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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalStoreTest {
  @TempDir Path dir;

  private static final StorageOptions RAF = new StorageOptions(false, StorageOptions.DEFAULT_ROTATE_THRESHOLD_BYTES);

  @Test
  void open_createsThenReopensWithCommittedData() {
    // Given a journal with a record, two backlog entries and a counter
    try (JournalStore s = JournalStore.open(dir, StorageOptions.DEFAULTS)) {
      s.put("o-1", bytes("one"));
      s.put("o-2", bytes("two"));
      s.addToBacklog("o-2");
      s.addToBacklog("o-1");
      s.setMeta("x", 42);
      s.commit();
    }
    // When it is reopened
    try (JournalStore s = JournalStore.open(dir, StorageOptions.DEFAULTS)) {
      // Then everything committed is there, the backlog oldest first
      assertThat(s.get("o-1")).isEqualTo(bytes("one"));
      assertThat(s.backlogOldest(10)).containsExactly("o-2", "o-1");
      assertThat(s.backlogSize()).isEqualTo(2);
      assertThat(s.meta("x")).isEqualTo(42);
      assertThat(s.file()).isEqualTo(dir.resolve("journal-1.db"));
    }
  }

  @Test
  void rollback_dropsUncommittedChanges() {
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      s.put("o-1", bytes("one"));
      s.commit();
      s.put("o-1", bytes("changed"));
      s.addToBacklog("o-1");
      s.rollback();
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
      assertThat(s.backlogOldest(10)).containsExactly("a", "b");
      assertThat(s.removeFromBacklog("a")).isTrue();
      assertThat(s.removeFromBacklog("a")).isFalse();
      assertThat(s.backlogOldest(10)).containsExactly("b");
    }
  }

  @Test
  void open_garbledHeader_typedErrorNamingTheFileWhichIsNotModified() throws Exception {
    // Given a journal whose first bytes were overwritten
    try (JournalStore s = JournalStore.open(dir, StorageOptions.DEFAULTS)) {
      s.put("o-1", bytes("one"));
      s.commit();
    }
    Path file = dir.resolve("journal-1.db");
    byte[] garbage = new byte[64];
    new Random(7).nextBytes(garbage);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.write(garbage);
    }
    String before = sha256(file);
    // When it is opened, Then a typed error names the file, and the file is left as it was
    assertThatThrownBy(() -> JournalStore.open(dir, StorageOptions.DEFAULTS))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining(file.toString());
    assertThat(sha256(file)).isEqualTo(before);
  }

  @Test
  void open_randomBytes_typedErrorNamingTheFile() throws Exception {
    // Given a file that was never a journal
    Files.writeString(dir.resolve(JournalStore.CURRENT), "1\n");
    Path file = dir.resolve("journal-1.db");
    byte[] garbage = new byte[256 * 1024];
    new Random(11).nextBytes(garbage);
    Files.write(file, garbage);
    String before = sha256(file);
    assertThatThrownBy(() -> JournalStore.open(dir, RAF))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining(file.toString());
    assertThat(sha256(file)).isEqualTo(before);
  }

  @Test
  void open_emptyOrMissingFile_isNotSilentlyReset() throws Exception {
    Files.writeString(dir.resolve(JournalStore.CURRENT), "3\n");
    assertThatThrownBy(() -> JournalStore.open(dir, RAF))
        .isInstanceOf(CorruptDataException.class).hasMessageContaining("journal-3.db").hasMessageContaining("missing");
    Files.createFile(dir.resolve("journal-3.db"));
    assertThatThrownBy(() -> JournalStore.open(dir, RAF))
        .isInstanceOf(CorruptDataException.class).hasMessageContaining("empty");
    assertThat(Files.size(dir.resolve("journal-3.db"))).isZero();
  }

  @Test
  void open_journalFilesWithoutCurrent_refused() throws Exception {
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      s.put("o-1", bytes("one"));
      s.commit();
    }
    Files.delete(dir.resolve(JournalStore.CURRENT));
    assertThatThrownBy(() -> JournalStore.open(dir, RAF))
        .isInstanceOf(CorruptDataException.class).hasMessageContaining("CURRENT");
    assertThat(dir.resolve("journal-1.db")).exists();
  }

  @Test
  void open_malformedCurrent_typedError() throws Exception {
    Files.writeString(dir.resolve(JournalStore.CURRENT), "banana");
    assertThatThrownBy(() -> JournalStore.open(dir, RAF))
        .isInstanceOf(CorruptDataException.class).hasMessageContaining("banana");
  }

  @Test
  void rotate_copiesLiveDataToTheNextGenerationAndDeletesTheOld() {
    // Given a file that grew from rewriting the same records (small threshold)
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
      // Then three are deleted, and one stays in the backlog
      for (int i = 0; i < 3; i++) {
        s.addToBacklog("o-" + i);
      }
      s.removeFromBacklog("o-1");
      s.setMeta("x", 7);
      s.commit();
      // When it is rotated
      s.rotate();
      // Then the next generation is live and the old file is gone
      assertThat(s.generation()).isEqualTo(2);
      assertThat(s.rotations()).isEqualTo(1);
      assertThat(dir.resolve("journal-1.db")).doesNotExist();
      assertThat(s.get("o-49")[0]).isEqualTo((byte) 19);
    }
    // And a restart opens generation 2 with everything in it
    try (JournalStore s = JournalStore.open(dir, small)) {
      assertThat(s.generation()).isEqualTo(2);
      assertThat(s.get("o-10")[0]).isEqualTo((byte) 19);
      assertThat(s.backlogOldest(10)).containsExactly("o-0", "o-2");
      assertThat(s.meta("x")).isEqualTo(7);
      s.addToBacklog("o-5");
      assertThat(s.backlogOldest(10)).containsExactly("o-0", "o-2", "o-5");
    }
  }

  @Test
  void maybeRotate_onlyWhenMostOfTheFileIsFree() {
    try (JournalStore s = JournalStore.open(dir, new StorageOptions(false, Long.MAX_VALUE))) {
      s.put("o-1", new byte[1000]);
      s.commit();
      assertThat(s.maybeRotate()).isFalse();
      assertThat(s.generation()).isEqualTo(1);
    }
  }

  @Test
  void open_deletesLeftoversOfAnInterruptedRotation() throws Exception {
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      s.put("o-1", bytes("one"));
      s.commit();
    }
    Path leftover = dir.resolve("journal-2.db");
    Files.write(leftover, new byte[100]);
    try (JournalStore s = JournalStore.open(dir, RAF)) {
      assertThat(s.get("o-1")).isEqualTo(bytes("one"));
    }
    assertThat(leftover).doesNotExist();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
