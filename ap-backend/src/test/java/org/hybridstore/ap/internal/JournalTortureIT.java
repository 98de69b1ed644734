package org.hybridstore.ap.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short version of {@link JournalTorture} that runs on every build: {@value #KILLS} SIGKILLs of
 * a writer child at random points, spread over both volumes and the commit, compaction and absorb
 * workloads; every acknowledged write must be present and readable after every restart. A new seed
 * each run (printed on failure), so builds keep exploring. Sixty kills (ten per volume and
 * workload) keep the build inside its time budget; the proof is the standalone run of 1,000 and
 * more (docs/local-journal.md).
 */
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class JournalTortureIT {
  static final int KILLS = 60;

  @TempDir Path dir;

  @Test
  void sigkillAtRandomPoints_everyAcknowledgedWriteSurvivesReadable() throws Exception {
    long seed = System.nanoTime();
    JournalTorture.Result r = JournalTorture.run(dir, KILLS, seed, 25, JournalTorture.ALL, false);
    System.out.printf(
        "JournalTortureIT: seed %d, %d kills in %s%n%s", seed, r.kills(), r.elapsed(), r.table());
    assertThat(r.kills()).isEqualTo(KILLS);
    assertThat(r.lost()).as("seed %d:%n%s", seed, r.table()).isZero();
    assertThat(r.rows().stream().mapToLong(row -> row.acknowledged).sum())
        .as("the kills must land among acknowledged writes")
        .isGreaterThan(KILLS * 10L);
  }
}
