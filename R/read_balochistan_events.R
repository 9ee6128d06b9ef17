# read_balochistan_events.R: load the balochistan-events data package in R.
#
# Needs the jsonlite and readr packages (CRAN; Debian: r-cran-jsonlite r-cran-readr), and digest
# (r-cran-digest) only to download a release with `version =`.
#
#   source("R/read_balochistan_events.R")
#   be <- read_balochistan_events("balochistan-events-1.0.0.zip")   # or a directory / datapackage.json
#   be <- read_balochistan_events(version = "1.0.0")                # download, verify, cache
#   table(be$claims$claim_type)
#
# Column types come from the Table Schemas the package ships (schemas/*.json or inline):
#   string -> character, integer / year -> integer, number -> double, boolean -> logical,
#   date -> Date, datetime -> POSIXct (UTC), and every coded field (one with a constraints$enum)
#   -> factor whose levels are the schema's codes in schema order.
# Empty cells (the schema's missingValues, "" by default) become NA. A cell that does not parse as
# its column's type stops with an error naming the file, line and field.
#
# version = "X.Y.Z" downloads balochistan-events-X.Y.Z.zip from the URL template in the environment
# variable BALOCHISTAN_EVENTS_RELEASE_URL ({version} replaced; default: the GitHub release asset),
# checks its sha256 against .be_registry below (or `sha256 =`, or, for a version newer than every
# registered one, the .sha256 published beside the zip), and keeps it in the user cache directory
# (BALOCHISTAN_EVENTS_CACHE_DIR, else tools::R_user_dir("balochistan-events", "cache")), one folder per
# version and hash. A cached release is checked again on every use and needs no network.

# sha256 of published releases; `balochistan-events build` writes the versions older than the release
# this file ships in (a zip cannot hold its own hash).
.be_registry <- c("1.0.0" = "68e9eb97226513b732f5945f40b156050e3fb5d15334fab62eead13ebaf48dd4", "2.0.0" = "e93c228371f73cc5d19ea213808bafc0135e18f3635b84014a5946f1d86f383e")
.be_default_url <- "https://github.com/balochistan-events/balochistan-events/releases/download/v{version}/balochistan-events-{version}.zip"

read_balochistan_events <- function(path = ".", tables = NULL, version = NULL, sha256 = NULL) {
  .be_require(c("jsonlite", "readr"))
  if (!is.null(version)) path <- .be_fetch_release(version, sha256)
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
  attr(out, "version") <- descriptor$version
  out
}

.be_require <- function(pkgs) {
  for (pkg in pkgs) {
    if (!requireNamespace(pkg, quietly = TRUE)) {
      stop(sprintf("read_balochistan_events needs the R package '%s' (install.packages(\"%s\"))", pkg, pkg),
           call. = FALSE)
    }
  }
}

.be_sha256 <- function(file) digest::digest(file = file, algo = "sha256")

# The sha256 for `name` in a sha256sum-format file (or its only line), or NULL.
.be_parse_sha256 <- function(file, name) {
  text <- readLines(file, warn = FALSE)
  lines <- regmatches(text, regexec("^\\s*([0-9a-fA-F]{64})\\s+\\*?(\\S.*?)\\s*$", text, perl = TRUE))
  lines <- Filter(function(m) length(m) == 3, lines)
  for (m in lines) if (basename(m[3]) == name) return(tolower(m[2]))
  if (length(lines) == 1) tolower(lines[[1]][2]) else NULL
}

.be_download <- function(url, dest) {
  said <- character()
  ok <- withCallingHandlers(
    tryCatch(utils::download.file(url, dest, mode = "wb", quiet = TRUE) == 0,
             error = function(e) { said <<- c(said, conditionMessage(e)); FALSE }),
    warning = function(w) { said <<- c(said, conditionMessage(w)); invokeRestart("muffleWarning") })
  if (isTRUE(ok)) return(TRUE)
  unlink(dest)
  if (any(grepl("status was '(403|404|410)", said))) return(FALSE)
  stop(sprintf("cannot download %s (no network, or the server cannot be reached): %s; a release downloaded once works offline",
               url, paste(said, collapse = "; ")), call. = FALSE)
}

# The expected sha256 of a release: `sha256`, the registry, a cached or the published .sha256.
.be_expected_sha256 <- function(version, sha256, url, cache, name) {
  if (!is.null(sha256)) return(list(tolower(sha256), "the sha256 argument"))
  if (version %in% names(.be_registry)) return(list(.be_registry[[version]], "the loader's registry"))
  known <- names(.be_registry)
  if (length(known) && all(vapply(known, function(k) utils::compareVersion(version, k) <= 0, TRUE))) {
    stop(sprintf("unknown version %s: known versions are %s", version, paste(known, collapse = ", ")), call. = FALSE)
  }
  for (sidecar in Sys.glob(file.path(cache, version, "*", paste0(name, ".sha256")))) {
    digest <- .be_parse_sha256(sidecar, name)
    if (!is.null(digest) && file.exists(file.path(dirname(sidecar), name))) return(list(digest, "its published .sha256 (cached)"))
  }
  tmp <- tempfile(fileext = ".sha256")
  on.exit(unlink(tmp))
  if (!.be_download(paste0(url, ".sha256"), tmp)) {
    stop(sprintf("unknown version %s: no release at %s; known versions are %s", version, url,
                 if (length(known)) paste(known, collapse = ", ") else "none"), call. = FALSE)
  }
  digest <- .be_parse_sha256(tmp, name)
  if (is.null(digest)) stop(sprintf("%s.sha256 holds no sha256 line for %s", url, name), call. = FALSE)
  list(digest, "its published .sha256")
}

# The verified release zip of `version` in the user cache, downloaded when it is not there yet.
.be_fetch_release <- function(version, sha256 = NULL) {
  .be_require("digest")
  version <- sub("^v", "", version)
  if (!grepl("^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$", version)) {
    stop(sprintf("version '%s' is not X.Y.Z (for example 1.0.0)", version), call. = FALSE)
  }
  template <- Sys.getenv("BALOCHISTAN_EVENTS_RELEASE_URL", "")
  if (!nzchar(template)) template <- .be_default_url
  if (!grepl("{version}", template, fixed = TRUE)) {
    stop("BALOCHISTAN_EVENTS_RELEASE_URL has no {version} placeholder", call. = FALSE)
  }
  url <- gsub("{version}", version, template, fixed = TRUE)
  name <- sprintf("balochistan-events-%s.zip", version)
  cache <- Sys.getenv("BALOCHISTAN_EVENTS_CACHE_DIR", "")
  if (!nzchar(cache)) cache <- file.path(tools::R_user_dir("balochistan-events", "cache"), "releases")
  expected <- .be_expected_sha256(version, sha256, url, cache, name)
  folder <- file.path(cache, version, expected[[1]])
  file <- file.path(folder, name)
  if (file.exists(file) && identical(.be_sha256(file), expected[[1]])) return(file)
  dir.create(folder, recursive = TRUE, showWarnings = FALSE)
  tmp <- tempfile(tmpdir = folder, fileext = ".part")
  if (!.be_download(url, tmp)) stop(sprintf("unknown version %s: no release at %s", version, url), call. = FALSE)
  received <- .be_sha256(tmp)
  if (!identical(received, expected[[1]])) {
    unlink(tmp)
    stop(sprintf("sha256 mismatch for %s: expected %s (%s), received %s; the download was deleted",
                 url, expected[[1]], expected[[2]], received), call. = FALSE)
  }
  file.rename(tmp, file)
  writeLines(sprintf("%s  %s", expected[[1]], name), paste0(file, ".sha256"))
  file
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
