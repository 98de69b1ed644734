package org.hybridstore.ap.internal.storage;

import java.util.Objects;

/**
 * How the journal's files are opened.
 *
 * @param mmap memory-mapped volume for the MapDB index ({@code fileMmapEnableIfSupported()}); the
 *     log is always written through a file channel
 * @param rotateThresholdBytes the log size above which it is compacted into a new generation when
 *     more than half of it is superseded data; default {@value #DEFAULT_ROTATE_THRESHOLD_BYTES}
 *     (after a crash the index is rebuilt from the whole log, so this also bounds the rebuild)
 * @param files the file system seam; {@link JournalFiles#disk} except in the power-cut tests
 */
public record StorageOptions(boolean mmap, long rotateThresholdBytes, JournalFiles.Factory files) {
  /** Default compaction threshold: 64 MiB. */
  public static final long DEFAULT_ROTATE_THRESHOLD_BYTES = 64L << 20;

  /** The defaults: mmap index, compaction at 64 MiB, real files. */
  public static final StorageOptions DEFAULTS =
      new StorageOptions(true, DEFAULT_ROTATE_THRESHOLD_BYTES);

  /** Validates the threshold. */
  public StorageOptions {
    if (rotateThresholdBytes < 1) {
      throw new IllegalArgumentException("rotateThresholdBytes must be positive");
    }
    Objects.requireNonNull(files, "files");
  }

  /**
   * Options on real files.
   *
   * @param mmap memory-mapped index
   * @param rotateThresholdBytes the compaction threshold
   */
  public StorageOptions(boolean mmap, long rotateThresholdBytes) {
    this(mmap, rotateThresholdBytes, JournalFiles::disk);
  }
}
