package org.hybridstore.ap.internal.storage;

import java.io.IOException;
import java.nio.file.Path;

/** Test helpers of this package for other test packages. */
public final class JournalStoreTestAccess {
  private JournalStoreTestAccess() {}

  public static String sha256(Path file) throws IOException {
    return JournalStoreTest.sha256(file);
  }
}
