package org.hybridstore.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hybridstore.chaos.history.History;
import org.junit.jupiter.api.Test;

class CheckersTest {

  private static Checker constant(Validity v) {
    return h -> CheckResult.of(v, Map.of());
  }

  @Test
  void compose_invalidBeatsUnknownBeatsValid() {
    Map<String, Checker> all = new LinkedHashMap<>();
    all.put("a", constant(Validity.VALID));
    all.put("b", constant(Validity.UNKNOWN));
    assertThat(Checkers.compose(all).check(new History()).validity()).isEqualTo(Validity.UNKNOWN);

    all.put("c", constant(Validity.INVALID));
    CheckResult r = Checkers.compose(all).check(new History());
    assertThat(r.validity()).isEqualTo(Validity.INVALID);
    assertThat(r.details()).containsOnlyKeys("a", "b", "c");

    assertThat(
            Checkers.compose(Map.of("a", constant(Validity.VALID))).check(new History()).validity())
        .isEqualTo(Validity.VALID);
  }

  @Test
  void compose_throwingCheckerIsUnknownForItself() {
    // Given a checker that throws next to a valid one
    Map<String, Checker> all = new LinkedHashMap<>();
    all.put("ok", constant(Validity.VALID));
    all.put(
        "boom",
        h -> {
          throw new IllegalStateException("boom");
        });

    // When composed
    CheckResult r = Checkers.compose(all).check(new History());

    // Then the thrower is unknown with its error, and so is the merge
    assertThat(r.validity()).isEqualTo(Validity.UNKNOWN);
    CheckResult boom = (CheckResult) r.details().get("boom");
    assertThat(boom.validity()).isEqualTo(Validity.UNKNOWN);
    assertThat(boom.details().get("error").toString()).contains("boom");
    assertThat(((CheckResult) r.details().get("ok")).validity()).isEqualTo(Validity.VALID);
  }
}
