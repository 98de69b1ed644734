package org.hybridstore;

/**
 * The one rule all identifiers share: they become parts of etcd keys and file names.
 *
 * <p>Every record decoded from the journal, a peer or etcd validates its ids (op ids, node ids in
 * stamps and vectors) here, tens of them per record, so the valid path builds no message and runs
 * no regular expression: a message is only built for the exception.
 */
final class Ids {
  private Ids() {}

  static String requireValid(String field, String value) {
    if (value == null) {
      throw new InvalidInputException(field, "must not be null");
    }
    if (value.isEmpty()) {
      throw new InvalidInputException(field, "must not be empty");
    }
    if (value.length() > OrderLimits.MAX_ID_LENGTH) {
      throw new InvalidInputException(
          field,
          "must be at most " + OrderLimits.MAX_ID_LENGTH + " characters, was " + value.length());
    }
    if (!isAsciiLetterOrDigit(value.charAt(0)) || !allIdChars(value)) {
      throw new InvalidInputException(
          field,
          "must start with a letter or digit and contain only letters, digits, '.', '_', ':' or"
              + " '-': '"
              + printable(value)
              + "'");
    }
    return value;
  }

  static String requireText(String field, String value, int maxLength) {
    if (value == null) {
      throw new InvalidInputException(field, "must not be null");
    }
    if (value.length() > maxLength) {
      throw new InvalidInputException(
          field, "must be at most " + maxLength + " characters, was " + value.length());
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new InvalidInputException(field, "must not contain control characters");
      }
    }
    return value;
  }

  /** ASCII letters and digits only (as the id rule always was). */
  private static boolean isAsciiLetterOrDigit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  private static boolean allIdChars(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!isAsciiLetterOrDigit(c) && c != '.' && c != '_' && c != ':' && c != '-') {
        return false;
      }
    }
    return true;
  }

  private static String printable(String value) {
    String head = value.length() > 80 ? value.substring(0, 80) + "..." : value;
    return head.replaceAll("\\p{Cntrl}", "?");
  }
}
