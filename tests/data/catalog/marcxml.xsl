<?xml version="1.0" encoding="UTF-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:m="http://www.loc.gov/MARC21/slim">
  <xsl:output method="xml" encoding="UTF-8"/>
  <xsl:template match="/"><xsl:copy-of select="//m:record[1]"/></xsl:template>
</xsl:stylesheet>
