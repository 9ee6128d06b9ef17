# read_balochistan_events.R: load the balochistan-events data package in R.
#
# Needs only the jsonlite and readr packages (CRAN; Debian: r-cran-jsonlite r-cran-readr).
#
#   source("R/read_balochistan_events.R")
#   be <- read_balochistan_events("balochistan-events-1.0.0.zip")   # or a directory / datapackage.json
#   table(be$claims$claim_type)
#
# Column types come from the Table Schemas the package ships (schemas/*.json or inline):
#   string -> character, integer / year -> integer, number -> double, boolean -> logical,
#   date -> Date, datetime -> POSIXct (UTC), and every coded field (one with a constraints$enum)
#   -> factor whose levels are the schema's codes in schema order.
# Empty cells (the schema's missingValues, "" by default) become NA. A cell that does not parse as
# its column's type stops with an error naming the file, line and field.

read_balochistan_events <- function(path = ".", tables = NULL) {
  for (pkg in c("jsonlite", "readr")) {
    if (!requireNamespace(pkg, quietly = TRUE)) {
      stop(sprintf("read_balochistan_events needs the R package '%s' (install.packages(\"%s\"))", pkg, pkg),
           call. = FALSE)
    }
  }
  root <- .be_package_root(path)
  descriptor_file <- file.path(root, "datapackage.json")
  descriptor <- jsonlite::fromJSON(descriptor_file, simplifyVector = FALSE)
  out <- list()
  for (res in descriptor$resources) {
    if (!is.null(tables) && !(res$name %in% tables)) next
    if (is.null(res$path) || !grepl("\\.csv$", res$path)) next  # CSV tables only (Parquet copies are extra)
    schema <- res$schema
    if (is.character(schema)) {
      schema <- jsonlite::fromJSON(.be_inside(root, schema), simplifyVector = FALSE)
    }
    if (is.null(schema$fields)) next
    out[[res$name]] <- .be_read_table(.be_inside(root, res$path), res$path, schema)
  }
  attr(out, "datapackage") <- descriptor
  out
}

# The folder holding datapackage.json: a directory, a datapackage.json path, or a release zip
# (extracted to a temporary folder; the package may sit in one top-level folder of the archive).
.be_package_root <- function(path) {
  if (dir.exists(path)) {
    if (!file.exists(file.path(path, "datapackage.json"))) {
      stop(sprintf("no datapackage.json in directory %s", path), call. = FALSE)
    }
    return(normalizePath(path))
  }
  if (!file.exists(path)) stop(sprintf("no such file or directory: %s", path), call. = FALSE)
  if (grepl("\\.zip$", path, ignore.case = TRUE)) {
    members <- utils::unzip(path, list = TRUE)$Name
    if (any(grepl("(^|/)\\.\\.(/|$)", members) | grepl("^/", members))) {
      stop(sprintf("%s: archive entries leave the archive folder; refused", path), call. = FALSE)
    }
    descriptors <- members[basename(members) == "datapackage.json"]
    if (length(descriptors) == 0) stop(sprintf("%s holds no datapackage.json", path), call. = FALSE)
    exdir <- tempfile("balochistan-events-")
    dir.create(exdir)
    utils::unzip(path, exdir = exdir)
    top <- descriptors[which.min(nchar(descriptors))]
    return(normalizePath(file.path(exdir, dirname(top))))
  }
  if (basename(path) == "datapackage.json" || grepl("\\.json$", path)) return(normalizePath(dirname(path)))
  stop(sprintf("%s is neither a package directory, a datapackage.json nor a .zip", path), call. = FALSE)
}

# A path named in the descriptor, refused when it is absolute, remote or leaves the package.
.be_inside <- function(root, relpath) {
  if (grepl("^([a-zA-Z][a-zA-Z0-9+.-]*://|/|[A-Za-z]:)", relpath) ||
      any(strsplit(relpath, "/", fixed = TRUE)[[1]] == "..")) {
    stop(sprintf("path '%s' in datapackage.json is not inside the package; refused", relpath), call. = FALSE)
  }
  file.path(root, relpath)
}

.be_collector <- function(field) {
  type <- if (is.null(field$type)) "string" else field$type
  enum <- field$constraints$enum
  if (!is.null(enum)) {
    return(readr::col_factor(levels = vapply(enum, function(v) format(v, scientific = FALSE), ""),
                             ordered = FALSE, include_na = FALSE))
  }
  switch(type,
    integer = readr::col_integer(),
    year = readr::col_integer(),
    number = readr::col_double(),
    boolean = readr::col_character(),  # converted below with the field's trueValues / falseValues
    date = readr::col_date(format = "%Y-%m-%d"),
    datetime = readr::col_datetime(),
    readr::col_character()
  )
}

.be_read_table <- function(file, relpath, schema) {
  fields <- schema$fields
  names <- vapply(fields, function(f) f$name, "")
  missing <- if (is.null(schema$missingValues)) "" else unlist(schema$missingValues)
  if (length(missing) == 0) missing <- character()
  header <- names(readr::read_csv(file, n_max = 0, col_types = readr::cols(.default = readr::col_character()),
                                  progress = FALSE))
  if (!identical(header, names)) {
    stop(sprintf("%s line 1: header [%s] differs from the Table Schema's fields [%s]", relpath,
                 paste(header, collapse = ", "), paste(names, collapse = ", ")), call. = FALSE)
  }
  collectors <- stats::setNames(lapply(fields, .be_collector), names)
  # readr warns about parsing issues; they are reported below as an error naming line and field
  data <- withCallingHandlers(
    readr::read_csv(file, col_types = do.call(readr::cols_only, collectors), na = missing,
                    trim_ws = FALSE, progress = FALSE, lazy = FALSE,
                    locale = readr::locale(encoding = "UTF-8", tz = "UTC")),
    warning = function(w) if (grepl("parsing issues", conditionMessage(w))) invokeRestart("muffleWarning"))
  problems <- readr::problems(data)
  if (nrow(problems) > 0) {
    p <- problems[1, ]
    stop(sprintf("%s line %d, field %s: expected %s, got '%s'", relpath, as.integer(p$row),
                 names[p$col], p$expected, p$actual), call. = FALSE)
  }
  for (f in fields) {
    if (!identical(f$type, "boolean")) next
    trues <- if (is.null(f$trueValues)) c("true", "True", "TRUE", "1") else unlist(f$trueValues)
    falses <- if (is.null(f$falseValues)) c("false", "False", "FALSE", "0") else unlist(f$falseValues)
    x <- data[[f$name]]
    bad <- !is.na(x) & !(x %in% c(trues, falses))
    if (any(bad)) {
      stop(sprintf("%s line %d, field %s: expected true or false, got '%s'", relpath, which(bad)[1] + 1L,
                   f$name, x[which(bad)[1]]), call. = FALSE)
    }
    data[[f$name]] <- ifelse(is.na(x), NA, x %in% trues)
  }
  attr(data, "problems") <- NULL
  data
}
