package org.hybridstore.ap.internal.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import net.jpountz.util.Native;
import net.jpountz.xxhash.XXHashFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.CC;

/**
 * MapDB hashes with lz4-java, whose native build unpacks a shared library into the temporary
 * directory of every JVM and leaves it there. The build uses the pure-Java lz4 classes instead:
 * opening a journal loads no native code, so it leaves no file behind.
 */
class NoNativeLibraryTest {
  @TempDir Path dir;

  @Test
  void openingAJournal_loadsNoNativeLz4() throws Exception {
    try (JournalStore store = JournalStore.open(dir, StorageOptions.DEFAULTS)) {
      store.put("o-1", new byte[] {1, 2, 3});
      store.commit();
      assertThat(store.get("o-1")).containsExactly(1, 2, 3);
    }
    assertThat(CC.HASH_FACTORY).isNotNull();
    assertThat(Native.isLoaded()).as("native lz4 loaded").isFalse();
    assertThat(CC.HASH_FACTORY.toString()).contains("Java");
    assertThat(XXHashFactory.class.getResource("/net/jpountz/util/linux/amd64/liblz4-java.so"))
        .as("a native lz4 library on the class path")
        .isNull();
  }
}
