package org.hybridstore;

import java.util.regex.Pattern;

/** The one rule all identifiers share: they become parts of etcd keys and file names. */
final class Ids {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]*");

  private Ids() {}

  static String requireValid(String field, String value) {
    InvalidInputException.check(value != null, field, "must not be null");
    InvalidInputException.check(!value.isEmpty(), field, "must not be empty");
    InvalidInputException.check(
        value.length() <= OrderLimits.MAX_ID_LENGTH,
        field,
        "must be at most " + OrderLimits.MAX_ID_LENGTH + " characters, was " + value.length());
    InvalidInputException.check(
        ID.matcher(value).matches(),
        field,
        "must start with a letter or digit and contain only letters, digits, '.', '_', ':' or '-': '"
            + printable(value)
            + "'");
    return value;
  }

  static String requireText(String field, String value, int maxLength) {
    InvalidInputException.check(value != null, field, "must not be null");
    InvalidInputException.check(
        value.length() <= maxLength,
        field,
        "must be at most " + maxLength + " characters, was " + value.length());
    for (int i = 0; i < value.length(); i++) {
      InvalidInputException.check(
          !Character.isISOControl(value.charAt(i)), field, "must not contain control characters");
    }
    return value;
  }

  private static String printable(String value) {
    String head = value.length() > 80 ? value.substring(0, 80) + "..." : value;
    return head.replaceAll("\\p{Cntrl}", "?");
  }
}
