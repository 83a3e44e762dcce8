<?xml version="1.0" encoding="UTF-8"?>
<!-- A MARCXML record with embedded holdings as an OPAC record (YAZ's opacxml): one holding per
     852, its 866 as enumAndChron, one circulation per 876 (availableNow, availabilityDate). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:m="http://www.loc.gov/MARC21/slim">
  <xsl:output method="xml" encoding="UTF-8"/>
  <xsl:template match="/">
    <xsl:variable name="record" select="//m:record[1]"/>
    <opacRecord>
      <bibliographicRecord><xsl:copy-of select="$record"/></bibliographicRecord>
      <holdings>
        <xsl:for-each select="$record/m:datafield[@tag='852']">
          <xsl:variable name="link" select="substring-before(concat(m:subfield[@code='8'], '.'), '.')"/>
          <holding>
            <localLocation><xsl:value-of select="m:subfield[@code='b']"/></localLocation>
            <callNumber><xsl:value-of select="m:subfield[@code='h']"/><xsl:text> </xsl:text><xsl:value-of select="m:subfield[@code='i']"/></callNumber>
            <enumAndChron><xsl:value-of select="$record/m:datafield[@tag='866'][substring-before(concat(m:subfield[@code='8'], '.'), '.') = $link]/m:subfield[@code='a']"/></enumAndChron>
            <circulations>
              <xsl:for-each select="$record/m:datafield[@tag='876'][substring-before(concat(m:subfield[@code='8'], '.'), '.') = $link]">
                <circulation>
                  <availableNow value="{number(starts-with(m:subfield[@code='j'], 'Available'))}"/>
                  <availabilityDate><xsl:value-of select="translate(substring-after(m:subfield[@code='j'], 'due '), '-', '')"/></availabilityDate>
                  <itemId><xsl:value-of select="m:subfield[@code='p']"/></itemId>
                  <enumAndChron><xsl:value-of select="m:subfield[@code='3']"/></enumAndChron>
                </circulation>
              </xsl:for-each>
            </circulations>
          </holding>
        </xsl:for-each>
      </holdings>
    </opacRecord>
  </xsl:template>
</xsl:stylesheet>
